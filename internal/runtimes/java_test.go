package runtimes

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

var javaFixture = map[string]string{
	"example/Handler.java": `package example;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public class Handler implements RequestHandler<Map<String, Object>, Object> {
    private static int count;

    @Override
    public Object handleRequest(Map<String, Object> event, Context context) {
        try {
            return handle(event, context);
        } catch (IOException | InterruptedException e) {
            throw new RuntimeException(e);
        }
    }

    private Object handle(Map<String, Object> event, Context context) throws IOException, InterruptedException {
        switch ((String) event.get("op")) {
            case "echo":
                return event.get("data");
            case "env": {
                Map<String, Object> out = new LinkedHashMap<>();
                for (Object n : (List<?>) event.get("names")) {
                    out.put((String) n, System.getenv((String) n));
                }
                out.put("trace", System.getProperty("com.amazonaws.xray.traceHeader"));
                return out;
            }
            case "tmp_write":
                Files.write(Paths.get("/tmp", (String) event.get("file")),
                        ((String) event.get("content")).getBytes(StandardCharsets.UTF_8));
                return "ok";
            case "tmp_read":
                return new String(Files.readAllBytes(Paths.get("/tmp", (String) event.get("file"))), StandardCharsets.UTF_8);
            case "ctx": {
                ClientContext cc = context.getClientContext();
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("requestId", context.getAwsRequestId());
                out.put("functionName", context.getFunctionName());
                out.put("functionVersion", context.getFunctionVersion());
                out.put("invokedFunctionArn", context.getInvokedFunctionArn());
                out.put("memoryLimitInMB", context.getMemoryLimitInMB());
                out.put("logGroupName", context.getLogGroupName());
                out.put("logStreamName", context.getLogStreamName());
                out.put("identityId", context.getIdentity().getIdentityId());
                out.put("identityPoolId", context.getIdentity().getIdentityPoolId());
                out.put("appTitle", cc.getClient().getAppTitle());
                out.put("custom", cc.getCustom().get("k"));
                out.put("env", cc.getEnvironment().get("platform"));
                out.put("remaining", context.getRemainingTimeInMillis());
                return out;
            }
            case "remaining": {
                int first = context.getRemainingTimeInMillis();
                Thread.sleep(50);
                return Arrays.asList(first, context.getRemainingTimeInMillis());
            }
            case "big":
                return "x".repeat(((Number) event.get("n")).intValue());
            case "count":
                return ++count;
            case "log":
                context.getLogger().log((String) event.get("msg"));
                return "logged";
            case "fail":
                throw new IllegalStateException("boom");
            case "custom":
                throw new MyException("custom boom");
            default:
                throw new IllegalArgumentException("unknown op " + event.get("op"));
        }
    }
}
`,
	// Compiled into lib/errors.jar, to cover the lib/*.jar layout.
	"example/MyException.java": `package example;

public class MyException extends RuntimeException {
    public MyException(String message) {
        super(message);
    }
}
`,
	"example/Person.java": `package example;

public class Person {
    private String name;
    private int age;
    public String nickname;

    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public int getAge() { return age; }
    public void setAge(int age) { this.age = age; }
}
`,
	"example/Greeting.java": `package example;

import java.util.List;

public class Greeting {
    public String message;
    public String missing;
    private final List<String> tags;

    public Greeting(String message, List<String> tags) {
        this.message = message;
        this.tags = tags;
    }

    public List<String> getTags() { return tags; }
    public boolean isFriendly() { return true; }
}
`,
	"example/Point.java": `package example;

public record Point(int x, int y) {}
`,
	"example/Sqs.java": `package example;

import java.util.List;

// Shaped like aws-lambda-java-events' SQSEvent.
public class Sqs {
    public static class Message {
        private String body;
        private String eventSourceArn;
        public String getBody() { return body; }
        public void setBody(String body) { this.body = body; }
        public String getEventSourceArn() { return eventSourceArn; }
        public void setEventSourceArn(String arn) { this.eventSourceArn = arn; }
    }

    private List<Message> records;
    public List<Message> getRecords() { return records; }
    public void setRecords(List<Message> records) { this.records = records; }
}
`,
	"example/Pojos.java": `package example;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

public class Pojos {
    public Greeting greet(Person p, Context ctx) {
        return new Greeting("Hello, " + p.getName() + " (" + p.getAge() + ") " + p.nickname, Arrays.asList("a", "b"));
    }

    public String upper(String s) { return s.toUpperCase(); }

    public String sqs(Sqs event) {
        Sqs.Message m = event.getRecords().get(0);
        return m.getEventSourceArn() + " " + m.getBody();
    }

    public Point mirror(Point p) { return new Point(p.y(), p.x()); }

    public List<String> names(List<Person> people) {
        List<String> out = new ArrayList<>();
        for (Person p : people) out.add(p.getName());
        return out;
    }

    public String nubo(Map<String, Object> event, dev.nubo.lambda.Context ctx) { return ctx.getAwsRequestId(); }

    public Integer twice(Integer n) { return n * 2; }

    public boolean negate(boolean b) { return !b; }

    public double half(double d) { return d / 2; }

    public void nothing(Map<String, Object> event) {}

    public static String staticEcho(String s) { return "static " + s; }

    public String runtimeLog(Map<String, Object> event) {
        LambdaRuntime.getLogger().log("via LambdaRuntime");
        return "ok";
    }

    public String vmOption(String name) {
        return java.lang.management.ManagementFactory.getPlatformMXBean(
                com.sun.management.HotSpotDiagnosticMXBean.class).getVMOption(name).getValue();
    }

    public void copy(InputStream in, OutputStream out, Context ctx) throws IOException {
        out.write("[".getBytes());
        in.transferTo(out);
        out.write("]".getBytes());
    }
}
`,
	"example/StreamHandler.java": `package example;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

public class StreamHandler implements RequestStreamHandler {
    public void handleRequest(InputStream in, OutputStream out, Context ctx) throws IOException {
        String s = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        out.write(s.toUpperCase().getBytes(StandardCharsets.UTF_8));
    }
}
`,
	"example/Base.java": `package example;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;

public abstract class Base<T> implements RequestHandler<T, String> {
    public String handleRequest(T input, Context ctx) { return describe(input); }
    abstract String describe(T input);
}
`,
	"example/GenericHandler.java": `package example;

public class GenericHandler extends Base<Person> {
    String describe(Person p) { return p.getName(); }
}
`,
	"example/BadInit.java": `package example;

public class BadInit {
    static {
        if (Boolean.TRUE) throw new IllegalStateException("static boom");
    }
    public String handleRequest(String s) { return s; }
}
`,
	"example/BadCtor.java": `package example;

public class BadCtor {
    public BadCtor() { throw new IllegalStateException("ctor boom"); }
    public String handleRequest(String s) { return s; }
}
`,
}

var (
	javaRootOnce sync.Once
	javaRoot     string
	javaRootErr  error
)

// javaTaskRoot compiles the fixture once against nubo's Java client (its
// copies of AWS's interfaces) into a task root: classes at the root,
// MyException in lib/errors.jar.
func javaTaskRoot(t *testing.T) string {
	t.Helper()
	cat := testCatalogue(t)
	javaRootOnce.Do(func() { javaRoot, javaRootErr = buildJavaFixture(cat) })
	if javaRootErr != nil {
		t.Fatalf("build java fixture: %v", javaRootErr)
	}
	return javaRoot
}

func buildJavaFixture(cat *Catalogue) (string, error) {
	javac, err := findJavac(cat.byFam[java].path, "")
	if err != nil {
		return "", err
	}
	src := filepath.Join(testDir, "java-fixture-src")
	classes := filepath.Join(testDir, "java-fixture-classes")
	root := filepath.Join(testDir, "java-task")
	args := []string{"-encoding", "UTF-8", "-cp", filepath.Join(cat.RuntimeDir(), cat.java), "-d", classes}
	for name, content := range javaFixture {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			return "", err
		}
		args = append(args, p)
	}
	if out, err := exec.Command(javac, args...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("javac: %w: %s", err, out)
	}
	if err := os.MkdirAll(filepath.Join(root, "lib"), 0o755); err != nil {
		return "", err
	}
	err = filepath.Walk(classes, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(classes, path)
		if strings.HasPrefix(filepath.Base(rel), "MyException") {
			return nil
		}
		dst := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.Rename(path, dst)
	})
	if err != nil {
		return "", err
	}
	return root, writeJar(filepath.Join(root, "lib", "errors.jar"), classes, "example/MyException.class")
}

func writeJar(dst, dir string, names ...string) error {
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			return err
		}
		in, err := os.Open(filepath.Join(dir, filepath.FromSlash(n)))
		if err != nil {
			return err
		}
		_, err = io.Copy(w, in)
		in.Close()
		if err != nil {
			return err
		}
	}
	return zw.Close()
}

func javaSuite() suite {
	return suite{
		runtime:  "java17",
		handler:  "example.Handler::handleRequest",
		taskRoot: javaTaskRoot,
		fail: errWant{errorType: "java.lang.IllegalStateException", message: "boom", header: "Runtime.UserException",
			traceKey: "stackTrace", traceHas: "example.Handler.handle(Handler.java:"},
		custom: errWant{errorType: "example.MyException", message: "custom boom", header: "Runtime.UserException",
			traceKey: "stackTrace", traceHas: "example.Handler.handle(Handler.java:"},
		failLog: "boom: java.lang.IllegalStateException\rjava.lang.IllegalStateException: boom\r\tat example.Handler.handle(Handler.java:",
		logLine: func(id, msg string) *regexp.Regexp {
			return regexp.MustCompile(`^` + regexp.QuoteMeta(msg) + `$`)
		},
		initCase: []initCase{
			{name: "class not found", handler: "example.Missing::handleRequest", atInvoke: true,
				errorType: "java.lang.ClassNotFoundException", message: "Class not found: example.Missing"},
			{name: "missing method", handler: "example.Handler::nope", atInvoke: true,
				message: "No public method named nope with appropriate method signature found on class example.Handler"},
			{name: "malformed handler", handler: "example.Handler::", atInvoke: true,
				message: "Invalid handler: `example.Handler::'"},
			{name: "not a handler class", handler: "example.Person", atInvoke: true,
				message: "Class does not implement an appropriate handler interface: example.Person"},
			{name: "static initializer throws", handler: "example.BadInit::handleRequest",
				errorType: "java.lang.ExceptionInInitializerError", message: "Error loading class example.BadInit"},
			{name: "constructor throws", handler: "example.BadCtor::handleRequest",
				errorType: "java.lang.IllegalStateException", message: "ctor boom"},
		},
	}
}

// TestJavaHandlers covers the handler shapes AWS's Java runtime accepts and
// the JSON mapping of their inputs and outputs.
func TestJavaHandlers(t *testing.T) {
	t.Parallel()
	cat := runtimeCatalogue(t, "java21")
	cases := []struct {
		name, handler, event, want string
		log                        string
		runtime                    string
		env                        map[string]string
	}{
		{name: "C1 only by default", handler: "example.Pojos::vmOption", event: `"TieredStopAtLevel"`, want: `"1"`},
		{name: "JAVA_TOOL_OPTIONS overrides the defaults", handler: "example.Pojos::vmOption", event: `"TieredStopAtLevel"`, want: `"4"`,
			env: map[string]string{"JAVA_TOOL_OPTIONS": "-XX:TieredStopAtLevel=4 -XX:+UseParallelGC"}},
		{name: "java11 keeps the JVM defaults", handler: "example.Pojos::vmOption", event: `"TieredStopAtLevel"`, want: `"4"`, runtime: "java11"},
		{name: "POJO in and out", handler: "example.Pojos::greet", event: `{"name":"Ada ✓","age":36,"nickname":"countess","ignored":1}`,
			want: `{"message":"Hello, Ada ✓ (36) countess","tags":["a","b"],"friendly":true}`},
		{name: "event keys as AWS maps them", handler: "example.Pojos::sqs",
			event: `{"Records":[{"messageId":"1","body":"hi","eventSourceARN":"arn:aws:sqs:us-east-1:123456789012:q"}]}`,
			want:  `"arn:aws:sqs:us-east-1:123456789012:q hi"`},
		{name: "String", handler: "example.Pojos::upper", event: `"héllo"`, want: `"HÉLLO"`},
		{name: "record", handler: "example.Pojos::mirror", event: `{"x":1,"y":2}`, want: `{"x":2,"y":1}`},
		{name: "generic list", handler: "example.Pojos::names", event: `[{"name":"Ada"},{"name":"Linus"}]`, want: `["Ada","Linus"]`},
		{name: "nubo context", handler: "example.Pojos::nubo", event: `{}`},
		{name: "Integer", handler: "example.Pojos::twice", event: `21`, want: `42`},
		{name: "boolean", handler: "example.Pojos::negate", event: `true`, want: `false`},
		{name: "double", handler: "example.Pojos::half", event: `5`, want: `2.5`},
		{name: "void", handler: "example.Pojos::nothing", event: `{}`, want: `null`},
		{name: "static method", handler: "example.Pojos::staticEcho", event: `"x"`, want: `"static x"`},
		{name: "stream method", handler: "example.Pojos::copy", event: `{"a":1}`, want: `[{"a":1}]`},
		{name: "RequestStreamHandler", handler: "example.StreamHandler", event: `{"a":"b"}`, want: `{"A":"B"}`},
		{name: "generic superclass", handler: "example.GenericHandler", event: `{"name":"Grace"}`, want: `"Grace"`},
		{name: "LambdaRuntime logger", handler: "example.Pojos::runtimeLog", event: `{}`, want: `"ok"`, log: "via LambdaRuntime"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			runtime := c.runtime
			if runtime == "" {
				runtime = "java21"
			}
			p := startEnv(t, cat, envSpec{runtime: runtime, handler: c.handler, taskRoot: javaTaskRoot(t), env: c.env})
			r, inv := p.invoke(t, c.event)
			if r.kind != "response" {
				t.Fatalf("got %s %s", r.kind, r.body)
			}
			want := c.want
			if want == "" {
				want = `"` + inv.id + `"`
			}
			jsonEqual(t, r.body, want)
			if c.log != "" {
				if _, found := p.logs.waitLine(func(l string) bool { return l == c.log }); !found {
					t.Errorf("no log line %q in:\n%s", c.log, p.logs)
				}
			}
		})
	}
	t.Run("input of the wrong shape", func(t *testing.T) {
		t.Parallel()
		p := startEnv(t, cat, envSpec{runtime: "java21", handler: "example.Pojos::upper", taskRoot: javaTaskRoot(t)})
		r, _ := p.invoke(t, `{"not":"a string"}`)
		e := decodeError(t, r)
		if str(e.ErrorType) != "java.lang.RuntimeException" || str(e.ErrorMessage) != "An error occurred during JSON parsing" {
			t.Errorf("error = %s", r.body)
		}
	})
}
