package http

// statusPhrases holds lighttpd's reason phrases (http_status.c), which
// follow the IANA registry with lighttpd's spelling ("207 Multi-status",
// "306 (Unused)", "413 Payload Too Large").
var statusPhrases = map[int]string{
	100: "Continue",
	101: "Switching Protocols",
	102: "Processing",
	103: "Early Hints",
	200: "OK",
	201: "Created",
	202: "Accepted",
	203: "Non-Authoritative Information",
	204: "No Content",
	205: "Reset Content",
	206: "Partial Content",
	207: "Multi-status",
	208: "Already Reported",
	226: "IM Used",
	300: "Multiple Choices",
	301: "Moved Permanently",
	302: "Found",
	303: "See Other",
	304: "Not Modified",
	305: "Use Proxy",
	306: "(Unused)",
	307: "Temporary Redirect",
	308: "Permanent Redirect",
	400: "Bad Request",
	401: "Unauthorized",
	402: "Payment Required",
	403: "Forbidden",
	404: "Not Found",
	405: "Method Not Allowed",
	406: "Not Acceptable",
	407: "Proxy Authentication Required",
	408: "Request Timeout",
	409: "Conflict",
	410: "Gone",
	411: "Length Required",
	412: "Precondition Failed",
	413: "Payload Too Large",
	414: "URI Too Long",
	415: "Unsupported Media Type",
	416: "Range Not Satisfiable",
	417: "Expectation Failed",
	421: "Misdirected Request",
	422: "Unprocessable Entity",
	423: "Locked",
	424: "Failed Dependency",
	425: "Too Early",
	426: "Upgrade Required",
	428: "Precondition Required",
	429: "Too Many Requests",
	431: "Request Header Fields Too Large",
	451: "Unavailable For Legal Reasons",
	500: "Internal Server Error",
	501: "Not Implemented",
	502: "Bad Gateway",
	503: "Service Unavailable",
	504: "Gateway Timeout",
	505: "HTTP Version Not Supported",
	506: "Variant Also Negotiates",
	507: "Insufficient Storage",
	508: "Loop Detected",
	510: "Not Extended",
	511: "Network Authentication Required",
}

// statusText indexes statusPhrases by code, so that a status line costs
// no map lookup.
var statusText = func() (t [600]string) {
	for code, text := range statusPhrases {
		t[code] = text
	}
	return t
}()

// StatusText returns lighttpd's reason phrase for code, "" if it has none.
func StatusText(code int) string {
	if uint(code) < uint(len(statusText)) {
		return statusText[code]
	}
	return ""
}

// AppendStatus appends the status as lighttpd writes it after the version
// in a status line and in error pages: "404 Not Found", or the code and a
// space ("299 ") for a code without a phrase.
func AppendStatus(dst []byte, code int) []byte {
	if code < 0 {
		code = 0
	}
	dst = appendUint(dst, uint64(code))
	dst = append(dst, ' ')
	return append(dst, StatusText(code)...)
}

// errorPages caches the built-in error page of every code with a phrase.
var errorPages = func() map[int][]byte {
	m := make(map[int][]byte, len(statusPhrases))
	for code := range statusPhrases {
		if code >= 400 {
			m[code] = buildErrorPage(code)
		}
	}
	return m
}()

// ErrorPage returns lighttpd's built-in error page for code (response.c
// http_response_errdoc_init), served as text/html when a core error has no
// server.errorfile-prefix file:
//
//	<!DOCTYPE html>
//	<html lang="en">
//	 <head>
//	  <meta charset="UTF-8" />
//	  <title>404 Not Found</title>
//	 </head>
//	 <body>
//	  <h1>404 Not Found</h1>
//	 </body>
//	</html>
//
// The page of a 4xx or 5xx code is built once and shared: callers must not
// modify it. Other codes get a fresh page.
func ErrorPage(code int) []byte {
	if p, ok := errorPages[code]; ok {
		return p
	}
	return buildErrorPage(code)
}

func buildErrorPage(code int) []byte {
	b := make([]byte, 0, 192)
	b = append(b, "<!DOCTYPE html>\n<html lang=\"en\">\n <head>\n  <meta charset=\"UTF-8\" />\n  <title>"...)
	b = AppendStatus(b, code)
	b = append(b, "</title>\n </head>\n <body>\n  <h1>"...)
	b = AppendStatus(b, code)
	b = append(b, "</h1>\n </body>\n</html>\n"...)
	return b
}
