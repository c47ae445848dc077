package evhost

import (
	"strings"
	"testing"
)

// TestPatternParts: every part of a host, as lighttpd 1.4.69's mod_evhost
// builds them (these paths are the ones it logged for the same hosts,
// with host-strict disabled so that odd hosts get through).
func TestPatternParts(t *testing.T) {
	const pat = "/nx/0=%0|1=%1|2=%2|3=%3|4=%4|5=%5|9=%9|_=%_|{2.1}=%{2.1}|{2.9}=%{2.9}|{2.0}=%{2.0}|{3}=%{3}|pct=%%|end"
	p, err := parsePattern(pat)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ host, want string }{
		{"sub2.sub1.domain.tld:8080", "0=domain.tld|1=tld|2=domain|3=sub1|4=sub2|5=|9=|_=sub2.sub1.domain.tld|{2.1}=d|{2.9}=|{2.0}=domain|{3}=sub1|pct=%|end/"},
		{"example.com", "0=example.com|1=com|2=example|3=|4=|5=|9=|_=example.com|{2.1}=e|{2.9}=|{2.0}=example|{3}=|pct=%|end/"},
		{"localhost", "0=localhost|1=localhost|2=|3=|4=|5=|9=|_=localhost|{2.1}=|{2.9}=|{2.0}=|{3}=|pct=%|end/"},
		{"localhost:80", "0=localhost|1=localhost|2=|3=|4=|5=|9=|_=localhost|{2.1}=|{2.9}=|{2.0}=|{3}=|pct=%|end/"},
		{"127.0.0.1", "0=0.1|1=1|2=0|3=0|4=127|5=|9=|_=127.0.0.1|{2.1}=0|{2.9}=|{2.0}=0|{3}=0|pct=%|end/"},
		{"[::1]:8080", "0=[::1]|1=|2=|3=|4=|5=|9=|_=[|{2.1}=|{2.9}=|{2.0}=|{3}=|pct=%|end/"},
		{"[::1]", "0=[::1]|1=|2=|3=|4=|5=|9=|_=[|{2.1}=|{2.9}=|{2.0}=|{3}=|pct=%|end/"},
		{"a.b.c.d.e.f.g.h.i.j.k.l", "0=k.l|1=l|2=k|3=j|4=i|5=h|9=d|_=a.b.c.d.e.f.g.h.i.j.k.l|{2.1}=k|{2.9}=|{2.0}=k|{3}=j|pct=%|end/"},
		{"x..y", "0=.y|1=y|2=x|3=|4=|5=|9=|_=x..y|{2.1}=x|{2.9}=|{2.0}=x|{3}=|pct=%|end/"},
		{"a.b.", "0=b.|1=b|2=a|3=|4=|5=|9=|_=a.b.|{2.1}=a|{2.9}=|{2.0}=a|{3}=|pct=%|end/"},
		{"www.example.org.", "0=org.|1=org|2=example|3=www|4=|5=|9=|_=www.example.org.|{2.1}=e|{2.9}=|{2.0}=example|{3}=www|pct=%|end/"},
		{":80", "0=:80|1=:80|2=|3=|4=|5=|9=|_=|{2.1}=|{2.9}=|{2.0}=|{3}=|pct=%|end/"},
		{"a:b.c.d", "0=c.d|1=d|2=c|3=a:b|4=|5=|9=|_=a|{2.1}=c|{2.9}=|{2.0}=c|{3}=a:b|pct=%|end/"},
		{"a..b.c", "0=b.c|1=c|2=b|3=a|4=|5=|9=|_=a..b.c|{2.1}=b|{2.9}=|{2.0}=b|{3}=a|pct=%|end/"},
		{"x..", "0=.|1=x|2=|3=|4=|5=|9=|_=x..|{2.1}=|{2.9}=|{2.0}=|{3}=|pct=%|end/"},
	} {
		var parts hostParts
		parts.split(tc.host)
		if got := string(p.appendTo(nil, tc.host, &parts)); got != "/nx/"+tc.want {
			t.Errorf("%s:\n got %s\nwant /nx/%s", tc.host, got, tc.want)
		}
	}
}

// TestPatternSyntax: what a pattern may hold, and the trailing '/'.
func TestPatternSyntax(t *testing.T) {
	host := "www.example.org"
	for _, tc := range []struct{ pattern, want, err string }{
		{"/srv/%0/%3/", "/srv/example.org/www/", ""},
		{"/srv/%2", "/srv/example/", ""},
		{"/srv/%{2}/htdocs", "/srv/example/htdocs/", ""},
		{"/srv/%{2.1}/%{2.2}/%2", "/srv/e/x/example/", ""},
		{"%_", "www.example.org/", ""},
		{"/100%%/%_/", "/100%/www.example.org/", ""},
		{"/srv/%7/x", "/srv//x/", ""},
		{"%7", "", ""},
		{"/srv/%x/", "", `invalid pattern "/srv/%x/": "%x" is not one of`},
		{"/srv/%", "", `"%" is not one of`},
		{"/srv/%{", "", `"%{" is not one of`},
		{"/srv/%{a}", "", `"%{a}" is not one of`},
		{"/srv/%{1", "", `"%{1" is not one of`},
		{"/srv/%{12}", "", `"%{12}" is not one of`},
		{"/srv/%{1.}", "", `"%{1.}" is not one of`},
		{"/srv/%{1.2", "", `"%{1.2" is not one of`},
		{"/srv/%{1.23}", "", `"%{1.23}" is not one of`},
	} {
		p, err := parsePattern(tc.pattern)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.pattern, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.pattern, err)
			continue
		}
		var parts hostParts
		parts.split(host)
		if got := string(p.appendTo(nil, host, &parts)); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.pattern, got, tc.want)
		}
	}
}
