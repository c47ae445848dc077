package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// ErrKind is why a request or connection failed.
type ErrKind int

const (
	ErrConnect ErrKind = iota // connect refused, unreachable or failed
	ErrRead                   // read failed, or the peer closed with requests outstanding and no response begun
	ErrWrite                  // write failed
	ErrTimeout                // no full response within Config.Timeout
	ErrReset                  // ECONNRESET or EPIPE from the peer
	ErrStatus                 // a complete response whose status is not 2xx or 3xx
	ErrBody                   // bad framing: status line, headers, Content-Length or chunks
	numErrKinds
)

var errKindNames = [numErrKinds]string{"connect", "read", "write", "timeout", "reset", "status", "body"}

// String is the key the summary and the JSON report use.
func (k ErrKind) String() string {
	if k < 0 || k >= numErrKinds {
		return "ErrKind(" + strconv.Itoa(int(k)) + ")"
	}
	return errKindNames[k]
}

// maxLatency bounds the histogram; a slower response is recorded as this.
const maxLatency = int64(time.Minute / time.Microsecond)

// Result is what a run measured. Requests counts complete, well-framed
// responses, whatever their status; Errors[ErrStatus] counts those of
// them that are not 2xx or 3xx.
type Result struct {
	Requests int64
	Bytes    int64 // bytes read from the server
	Elapsed  time.Duration
	Errors   [numErrKinds]int64
	Status   map[int]int64
	Latency  *hdrhistogram.Histogram // microseconds, complete responses only
}

func newResult() *Result {
	return &Result{Status: map[int]int64{}, Latency: hdrhistogram.New(1, maxLatency, 3)}
}

func (r *Result) add(o *Result) {
	r.Requests += o.Requests
	r.Bytes += o.Bytes
	for k, n := range o.Errors {
		r.Errors[k] += n
	}
	for s, n := range o.Status {
		r.Status[s] += n
	}
	r.Latency.Merge(o.Latency)
}

// ErrorsTotal is the sum over all kinds.
func (r *Result) ErrorsTotal() int64 {
	var n int64
	for _, e := range r.Errors {
		n += e
	}
	return n
}

// RPS is complete responses per second of the run.
func (r *Result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

var percentiles = []struct {
	name, key string
	q         float64
}{
	{"50%", "p50", 50}, {"90%", "p90", 90}, {"99%", "p99", 99},
	{"99.9%", "p999", 99.9}, {"99.99%", "p9999", 99.99},
}

// WriteSummary prints the human summary.
func (r *Result) WriteSummary(w io.Writer) {
	fmt.Fprintf(w, "%d requests in %s, %d bytes read\n", r.Requests, r.Elapsed.Round(time.Millisecond), r.Bytes)
	fmt.Fprintf(w, "Requests/sec: %.2f\n", r.RPS())
	fmt.Fprintf(w, "Latency (us):")
	for _, p := range percentiles {
		fmt.Fprintf(w, " %s %d", p.name, r.Latency.ValueAtQuantile(p.q))
	}
	fmt.Fprintf(w, " max %d\n", r.Latency.Max())
	codes := make([]int, 0, len(r.Status))
	for s := range r.Status {
		codes = append(codes, s)
	}
	sort.Ints(codes)
	fmt.Fprintf(w, "Status:")
	for _, s := range codes {
		fmt.Fprintf(w, " %d=%d", s, r.Status[s])
	}
	fmt.Fprintf(w, "\nErrors: %d", r.ErrorsTotal())
	for k, n := range r.Errors {
		if n > 0 {
			fmt.Fprintf(w, " %s=%d", ErrKind(k), n)
		}
	}
	fmt.Fprintln(w)
}

// MarshalJSON is the report -json writes: requests, rps, bytes,
// errors{total, <kind>…}, status{"200"…} and latency_us{p50…max}.
func (r *Result) MarshalJSON() ([]byte, error) {
	errs := map[string]int64{"total": r.ErrorsTotal()}
	for k, n := range r.Errors {
		errs[ErrKind(k).String()] = n
	}
	status := map[string]int64{}
	for s, n := range r.Status {
		status[strconv.Itoa(s)] = n
	}
	lat := map[string]int64{"max": r.Latency.Max()}
	for _, p := range percentiles {
		lat[p.key] = r.Latency.ValueAtQuantile(p.q)
	}
	return json.Marshal(map[string]any{
		"requests":   r.Requests,
		"rps":        r.RPS(),
		"bytes":      r.Bytes,
		"errors":     errs,
		"status":     status,
		"latency_us": lat,
	})
}

// WriteJSON writes the report to the file name.
func (r *Result) WriteJSON(name string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(name, append(b, '\n'), 0o644)
}
