package runtimes

import (
	"regexp"
	"testing"
)

// TestPythonLoggingOnImport covers the Python client's lazy set-up of the
// logging module: a function that never imports logging starts without it,
// and one that imports it late, itself or through a library, gets AWS's
// handler and format all the same.
func TestPythonLoggingOnImport(t *testing.T) {
	t.Parallel()
	cat := runtimeCatalogue(t, "python3.12")

	for _, c := range []struct {
		name, app, want string
	}{
		{"not imported", "import sys\n\ndef main(event, context):\n    return 'logging' in sys.modules\n", `false`},
		{"imported in the handler", `def main(event, context):
    import logging
    logging.getLogger("late").warning("late line")
    return [type(h).__name__ for h in logging.getLogger().handlers]
`, `["_LambdaLoggerHandler"]`},
		{"imported by a library", `def main(event, context):
    import logging.handlers
    import logging
    logging.error("library line")
    return len(logging.getLogger().handlers)
`, `1`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := startEnv(t, cat, envSpec{runtime: "python3.12", handler: "app.main", files: map[string]string{"app.py": c.app}})
			r, inv := p.invoke(t, `{}`)
			jsonEqual(t, r.body, c.want)
			if c.want == `false` {
				return
			}
			re := regexp.MustCompile(`^\[(WARNING|ERROR)\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t` + inv.id + `\t(late|library) line$`)
			if _, found := p.logs.waitLine(re.MatchString); !found {
				t.Errorf("no log line matching %s in:\n%s", re, p.logs)
			}
		})
	}
}
