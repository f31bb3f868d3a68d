package wire

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/iam"
)

// What nubo refuses before authentication, in every auth mode (a hostile
// web page is the threat: it can make the user's browser send requests to
// nubo, and by DNS rebinding can even read the answers):
//   - a Host that is not one of nubo's names: an IP address, "localhost"
//     and its subdomains, or Guard.Hosts (and their subdomains);
//   - a request a browser sends on behalf of a web page of another origin
//     (Sec-Fetch-Site says another site, or it carries another Origin),
//     unless the service opens itself to browsers (Service.Browsers);
//     nubo's own pages (the console) are of nubo's origin.

// admit refuses a request with a foreign Host or from a web page.
func (s *Service) admit(r *http.Request, c *Call) error {
	g := c.guard
	if g == nil {
		return nil
	}
	if !g.knownHost(r.Host) {
		return s.denied(&iam.Denied{Message: "nubo does not answer to the host name " + r.Host +
			": requests must name nubo by an IP address, localhost, or a name it serves (--public-domain)."})
	}
	if fromWebPage(r) && (s.Browsers == nil || !s.Browsers(r)) {
		return s.denied(&iam.Denied{Message: "nubo does not serve this API to web pages: the request came from a browser on behalf of another site."})
	}
	return nil
}

// knownHost reports whether a Host header names nubo.
func (g *Guard) knownHost(hostport string) bool {
	if hostport == "" {
		return true // HTTP/1.0 without Host: not a browser
	}
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if net.ParseIP(host) != nil || host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	for _, h := range g.Hosts {
		h = strings.ToLower(h)
		if h != "" && (host == h || strings.HasSuffix(host, "."+h)) {
			return true
		}
	}
	return false
}

// fromWebPage reports whether a browser sent r on behalf of a web page of
// another origin. A current browser says in Sec-Fetch-Site where every
// request comes from: "none" when the user typed the address,
// "same-origin" from nubo's own pages (the console), whose fetches carry
// Origin too when they are not GETs. A browser without Sec-Fetch-Site
// sends Origin alone: nubo's own pages name r's own host in it.
func fromWebPage(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin":
		return false
	case "", "none":
		origin := r.Header.Get("Origin")
		return origin != "" && !ownOrigin(origin, r.Host)
	}
	return true
}

// ownOrigin reports whether a web origin is nubo's own, reached at host.
func ownOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Path == "" && strings.EqualFold(u.Host, host)
}

func isLoopback(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// DefaultBodyIdleTimeout is how long nubo waits for the next bytes of a
// request body: AWS's front ends give up on a socket "not read from or
// written to within the timeout period" (S3's RequestTimeout) after 20
// seconds.
const DefaultBodyIdleTimeout = 20 * time.Second

// idleBody gives each read of a request body a deadline: a client that
// stops sending loses its connection, while one that keeps sending,
// however large its body, is served. (The server's own deadlines take
// over once the body is read.)
type idleBody struct {
	rc   io.ReadCloser
	ctl  *http.ResponseController
	idle time.Duration
}

func (b *idleBody) Read(p []byte) (int, error) {
	b.ctl.SetReadDeadline(time.Now().Add(b.idle))
	return b.rc.Read(p)
}

func (b *idleBody) Close() error { return b.rc.Close() }
