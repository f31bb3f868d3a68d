package browser_test

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/nubo-dev/nubo/internal/server"
)

// signIn fills the sign-in form.
func signIn(key, secret string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(visible("form.signin"), chromedp.SetValue(chromedp.CSS("form.signin input[autocomplete=username]"), key),
		chromedp.SetValue(chromedp.CSS("form.signin input[type=password]"), secret), click("form.signin button[type=submit]"))
}

// TestSignInVerified signs in to a nubo that verifies signatures: a wrong
// secret is refused, the right one gives a session from STS, whose
// temporary credentials sign every call; signing out forgets them.
func TestSignInVerified(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: drives a browser")
	}
	n := startNubo(t, server.AuthSigV4)
	b := newBrowser(t, n.console())
	// The wrong secret: STS refuses the signature, and the page says so.
	b.expect(`^HTTP 403 for (POST )?http://[^ ]+/( \(sts\))?$`)
	b.run(t, load(n.console()+"/queues"), signIn("test", "wrong"), textIn("form.signin [role=alert]", "SignatureDoesNotMatch"))
	b.shot(t, "sign-in-refused")
	b.clean(t)
	b.run(t, signIn("test", "test"), h1Is("Queues"), textIn("main", "No queues yet."))
	if token := value(t, b, chromedp.Evaluate[string](`JSON.parse(sessionStorage.getItem("nubo.session")).credentials.sessionToken || ""`)); token == "" {
		t.Error("the session has no token from STS")
	}
	if user := value(t, b, chromedp.TextContent(chromedp.CSS("header .who"))); user != "Signed in as test · us-east-1" {
		t.Errorf("the header says %q", user)
	}
	b.run(t, chromedp.Click(`//header//button[text()="Sign out"]`), visible("form.signin"))
	if s := value(t, b, chromedp.Evaluate[string](`sessionStorage.getItem("nubo.session") || ""`)); s != "" {
		t.Errorf("signed out, the tab keeps %s", s)
	}
	b.clean(t)
}

// TestSignInUnverified opens the console of a nubo started with --auth
// none, which takes every caller for the root: there is no sign-in.
func TestSignInUnverified(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: drives a browser")
	}
	n := startNubo(t, server.AuthNone)
	b := newBrowser(t, n.console())
	b.run(t, load("http://"+n.addr+"/"), h1Is("Functions"), textIn("main", "No functions yet"))
	if user := value(t, b, chromedp.TextContent(chromedp.CSS("header .who"))); user != "Signed in as root (--auth none) · us-east-1" {
		t.Errorf("the header says %q", user)
	}
	b.visit(t, "/cost", "p.total")
	b.shot(t, "open")
	b.clean(t)
	// A page whose module does not load says so, rather than staying blank.
	b.expect(`^request failed: GET http://[^ ]+/pages/buckets\.js: blocked \(inspector\)$`)
	block := chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, network.SetBlockedURLs, network.SetBlockedURLsParams{
			URLPatterns: []*network.BlockPattern{{URLPattern: "*://*:*/*/pages/buckets.js", Block: true}}})
		return err
	})
	b.run(t, block, load(n.console()+"/buckets"),
		textIn("main [role=alert]", "Failed to fetch dynamically imported module"))
	b.clean(t)
}
