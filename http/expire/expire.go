// Package expire is mod_expire: it tells clients and caches how long a
// response stays fresh. expire.url maps URL path prefixes, and
// expire.mimetypes Content-Type prefixes (the URL rules first), to a time
// counted from the request ("access plus 1 hours") or from the file's
// modification time ("modification plus 2 days"). As lighttpd does, it
// acts only on 200 and 206 answers to GET, HEAD and QUERY that have no
// Cache-Control yet, and sends Cache-Control: max-age=N to HTTP/1.1
// clients and Expires to HTTP/1.0 ones, not both.
package expire

import (
	"strconv"
	"time"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http"
	"github.com/featherd/featherd/http/pipeline"
)

func init() {
	pipeline.Register(pipeline.Module{Name: "mod_expire", New: func(s *pipeline.Setup) any {
		return &module{scoped: moduleOptions.Of(s.Config)}
	}})
}

// maxMemo bounds each of a loop's caches of formatted header values; a
// full one is emptied.
const maxMemo = 256

// module is one event loop's mod_expire.
type module struct {
	scoped *config.Scoped[options]
	conf   options // the current request's options
	// ages and dates are the Cache-Control and Expires values made so
	// far, by max-age and by expiry second: the requests of one second
	// for the same rule and file share one string.
	ages  map[int64]string
	dates map[int64]string
}

// ResponseStart adds the caching headers of the first rule that matches.
func (m *module) ResponseStart(r *pipeline.Request) pipeline.Result {
	w := &r.Resp
	if !m.scoped.Set() || w.Status != 200 && w.Status != 206 {
		return pipeline.GoOn
	}
	switch r.Head.Method {
	case http.MethodGet, http.MethodHead, http.MethodQuery:
	default:
		return pipeline.GoOn
	}
	if w.Header("Cache-Control") != "" {
		return pipeline.GoOn
	}
	m.scoped.Merge(&m.conf, r.Eval)
	sp := match(m.conf.url, r.Head.Path)
	if sp == nil {
		sp = matchType(m.conf.mimetypes, w.Header("Content-Type"))
	}
	if sp != nil {
		m.setHeader(r, sp)
	}
	return pipeline.GoOn
}

// setHeader sets Cache-Control for HTTP/1.1, which makes Expires
// redundant there, and Expires for HTTP/1.0, which may not know
// Cache-Control (lighttpd's mod_expire_set_header).
func (m *module) setHeader(r *pipeline.Request, sp *spec) {
	now := time.Now().Unix()
	expires := now + sp.offset
	if sp.modification {
		if len(r.Physical.Path) == 0 {
			return
		}
		e := r.StatCache.Lookup(r.Physical.Path)
		if e.Err() != 0 {
			return // no mtime to count from
		}
		expires = max(e.Mtime().Unix()+sp.offset, now)
	}
	if r.Head.Version == http.Version11 {
		v := sp.maxAge
		if sp.modification {
			v = m.maxAge(expires - now)
		}
		r.Resp.AddHeader("Cache-Control", v)
		return
	}
	r.Resp.SetHeader("Expires", m.date(expires))
}

func (m *module) maxAge(age int64) string {
	if v, ok := m.ages[age]; ok {
		return v
	}
	if m.ages == nil {
		m.ages = make(map[int64]string)
	} else if len(m.ages) >= maxMemo {
		clear(m.ages)
	}
	v := "max-age=" + strconv.FormatInt(age, 10)
	m.ages[age] = v
	return v
}

func (m *module) date(sec int64) string {
	if v, ok := m.dates[sec]; ok {
		return v
	}
	if m.dates == nil {
		m.dates = make(map[int64]string)
	} else if len(m.dates) >= maxMemo {
		clear(m.dates)
	}
	v := string(http.AppendHTTPDate(make([]byte, 0, 29), time.Unix(sec, 0)))
	m.dates[sec] = v
	return v
}
