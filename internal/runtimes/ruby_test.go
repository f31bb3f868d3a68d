package runtimes

import (
	"regexp"
	"strings"
	"testing"
)

const rubyApp = `require 'json'
require 'logger'

$count = 0

class MyError < StandardError; end

module Handlers
  class Api
    def self.process(event:, context:)
      { 'class' => name, 'event' => event }
    end
  end
end

def main(event:, context:)
  case event['op']
  when 'echo' then event['data']
  when 'env'
    out = event['names'].to_h { |n| [n, ENV[n]] }
    out['trace'] = ENV['_X_AMZN_TRACE_ID']
    out
  when 'tmp_write'
    File.write("/tmp/#{event['file']}", event['content'])
    'ok'
  when 'tmp_read' then File.read("/tmp/#{event['file']}", encoding: 'UTF-8')
  when 'ctx'
    cc = context.client_context
    {
      'requestId' => context.aws_request_id,
      'functionName' => context.function_name,
      'functionVersion' => context.function_version,
      'invokedFunctionArn' => context.invoked_function_arn,
      'memoryLimitInMB' => context.memory_limit_in_mb,
      'logGroupName' => context.log_group_name,
      'logStreamName' => context.log_stream_name,
      'identityId' => context.identity['cognitoIdentityId'],
      'identityPoolId' => context.identity['cognitoIdentityPoolId'],
      'appTitle' => cc['client']['app_title'],
      'custom' => cc['custom']['k'],
      'env' => cc['env']['platform'],
      'remaining' => context.get_remaining_time_in_millis
    }
  when 'remaining'
    first = context.get_remaining_time_in_millis
    sleep 0.05
    [first, context.get_remaining_time_in_millis]
  when 'big' then 'x' * event['n']
  when 'count' then $count += 1
  when 'log'
    Logger.new($stdout).info(event['msg'])
    'logged'
  when 'fail' then raise ArgumentError, 'boom'
  when 'custom' then raise MyError, 'custom boom'
  else raise "unknown op #{event['op']}"
  end
end
`

func rubySuite() suite {
	return suite{
		runtime: "ruby3.3",
		handler: "app.main",
		files:   map[string]string{"app.rb": rubyApp},
		fail: errWant{errorType: "Function<ArgumentError>", message: "boom", header: "Function<ArgumentError>",
			traceKey: "stackTrace", traceHas: "app.rb"},
		custom: errWant{errorType: "Function<MyError>", message: "custom boom", header: "Function<UserException>",
			traceKey: "stackTrace", traceHas: "app.rb"},
		failLog: "Error raised from handler method",
		logLine: func(id, msg string) *regexp.Regexp {
			return regexp.MustCompile(`^I, \[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6} #\d+\]  INFO ` + id + ` -- : ` + regexp.QuoteMeta(msg) + `$`)
		},
		initCase: []initCase{
			{name: "import error", handler: "missing.main", errorType: "Init<LoadError>",
				message: "cannot load such file -- missing"},
			{name: "missing handler", handler: "app.nope", atInvoke: true, exits: true, errorType: "Function<NoMethodError>",
				message: "undefined method ", match: "prefix"},
			{name: "malformed handler", handler: "app", errorType: "Init<ArgumentError>",
				message: `Invalid handler ["app"], must be of form FILENAME.METHOD or FILENAME.CLASS.METHOD`, match: "prefix"},
			{name: "syntax error", handler: "bad.main", files: map[string]string{"bad.rb": "def main(event:, context:\n"},
				errorType: "Init<SyntaxError>", message: "bad.rb", match: "contains"},
			{name: "exception at load", handler: "boom.main", files: map[string]string{"boom.rb": "raise IOError, 'init boom'\n"},
				errorType: "Init<IOError>", message: "init boom"},
		},
	}
}

func TestRubyDetails(t *testing.T) {
	t.Parallel()
	cat := runtimeCatalogue(t, "ruby3.3")

	t.Run("class method handler", func(t *testing.T) {
		t.Parallel()
		p := startEnv(t, cat, envSpec{runtime: "ruby3.3", handler: "app.Handlers::Api.process", files: map[string]string{"app.rb": rubyApp}})
		r, _ := p.invoke(t, `{"x":"ü"}`)
		jsonEqual(t, r.body, `{"class":"Handlers::Api","event":{"x":"ü"}}`)
	})
	t.Run("handler in a subdirectory with a layer library", func(t *testing.T) {
		t.Parallel()
		p := startEnv(t, cat, envSpec{runtime: "ruby3.3", handler: "lib/fn/app.handler",
			files:    map[string]string{"lib/fn/app.rb": "require 'layerlib'\ndef handler(event:, context:)\n  LayerLib::NAME\nend\n"},
			optFiles: map[string]string{"ruby/lib/layerlib.rb": "module LayerLib\n  NAME = 'layer'\nend\n"},
		})
		r, _ := p.invoke(t, `{}`)
		jsonEqual(t, r.body, `"layer"`)
	})
	t.Run("error log", func(t *testing.T) {
		t.Parallel()
		p := startEnv(t, cat, envSpec{runtime: "ruby3.3", handler: "app.main", files: map[string]string{"app.rb": rubyApp}})
		p.invoke(t, `{"op":"fail"}`)
		want := "{\r  \"errorMessage\": \"boom\",\r  \"errorType\": \"Function<ArgumentError>\",\r  \"stackTrace\": ["
		if _, found := p.logs.waitLine(func(l string) bool { return strings.HasPrefix(l, want) }); !found {
			t.Errorf("no log line starting %q in:\n%s", want, p.logs)
		}
	})
}
