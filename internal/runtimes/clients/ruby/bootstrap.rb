# frozen_string_literal: true

# nubo's Ruby runtime client.
#
# It speaks the Lambda Runtime API 2018-06-01 over one keep-alive connection
# and follows AWS's managed Ruby runtimes: FILE.METHOD and FILE.CLASS.METHOD
# handlers called with event: and context:, the context object, Logger
# formatting, and the Init<...> / Function<...> error types. Only the
# standard library is used; net/http is avoided because it is slow to load.

$stdout.sync = true
$stderr.sync = true

require 'json'
require 'logger'
require 'socket'
require 'stringio'

# GEM_PATH names the gem directories of the function's runtime version
# (vendor/bundle/ruby/3.3.0, as on AWS); this machine's Ruby may be another
# version, so its directories are searched too.
if defined?(Gem) && ENV['GEM_PATH']
  gem_path = ENV['GEM_PATH']
  here = RbConfig::CONFIG['ruby_version']
  dirs = gem_path.split(File::PATH_SEPARATOR)
  extra = dirs.map { |d| d.sub(%r{/\d+\.\d+\.\d+\z}, "/#{here}") } - dirs
  unless extra.empty?
    ENV['GEM_PATH'] = (dirs + extra).join(File::PATH_SEPARATOR) + (gem_path.end_with?(File::PATH_SEPARATOR) ? File::PATH_SEPARATOR : '')
    Gem.clear_paths
  end
end

module NuboLambda
  API_PREFIX = '/2018-06-01/runtime'
  USER_AGENT = "nubo-ruby/#{RUBY_VERSION}"
  RUNTIME_DIR = File.dirname(File.expand_path(__FILE__))

  # Errors as AWS's Ruby runtime classifies them: the error type carries the
  # phase (Init, Function, Runtime) and the exception class.
  class LambdaError < StandardError
    ALLOWED = %w[ArgumentError NoMethodError Exception StandardError NameError LoadError SystemExit SystemStackError].freeze

    def initialize(original, classification = 'Function')
      @error_class = original.class.to_s
      @error_type = "#{classification}<#{original.class}>"
      @error_message = original.message
      @stack_trace = NuboLambda.user_backtrace(original)
      super(original.message)
    end

    def runtime_error_type
      ALLOWED.include?(@error_class) ? @error_type : 'Function<UserException>'
    end

    def to_lambda_response
      { errorMessage: @error_message, errorType: @error_type, stackTrace: @stack_trace }
    end
  end

  class HandlerError < LambdaError; end
  class HandlerCriticalError < LambdaError; end

  class InitError < LambdaError
    def initialize(original)
      super(original, 'Init')
    end
  end

  def self.user_backtrace(error)
    lines = []
    (error.backtrace_locations || error.backtrace || []).first(100).each do |loc|
      s = loc.to_s
      break if s.start_with?(RUNTIME_DIR)

      lines << s
    end
    lines
  end

  # One puts is one log event on AWS; nubo's log is line based, so the
  # pretty-printed error keeps its lines joined with carriage returns.
  def self.log_error(error, message)
    puts message if message
    puts JSON.pretty_generate(error.to_lambda_response).gsub("\n", "\r")
  end

  # A minimal HTTP/1.1 client: one connection, reused, with no timeout.
  class RuntimeAPI
    def initialize(address)
      i = address.rindex(':')
      @host = address[0...i].delete_prefix('[').delete_suffix(']')
      @port = Integer(address[(i + 1)..])
      @address = address
      @sock = nil
    end

    def request(method, path, body = nil, headers = {})
      head = +"#{method} #{path} HTTP/1.1\r\nHost: #{@address}\r\nUser-Agent: #{USER_AGENT}\r\n"
      headers.each { |k, v| head << "#{k}: #{header_value(v)}\r\n" }
      head << "Content-Length: #{body.bytesize}\r\n" if body
      head << "\r\n"
      2.times do |attempt|
        fresh = @sock.nil?
        connect if fresh
        begin
          @sock.write(head)
          @sock.write(body) if body && !body.empty?
          return read_response
        rescue EOFError, Errno::ECONNRESET, Errno::EPIPE
          close
          raise if fresh || attempt == 1
        end
      end
    end

    def next_invocation
      status, headers, body = request('GET', "#{API_PREFIX}/invocation/next")
      raise "GET /runtime/invocation/next: status #{status}: #{body[0, 512]}" unless status == 200

      [headers, body]
    end

    def send_response(request_id, body, content_type)
      post("#{API_PREFIX}/invocation/#{request_id}/response", body, 'Content-Type' => content_type)
    end

    def send_error(request_id, error)
      post("#{API_PREFIX}/invocation/#{request_id}/error", error.to_lambda_response.to_json,
           'Content-Type' => 'application/json',
           'Lambda-Runtime-Function-Error-Type' => error.runtime_error_type)
    end

    def send_init_error(error)
      post("#{API_PREFIX}/init/error", error.to_lambda_response.to_json,
           'Content-Type' => 'application/json',
           'Lambda-Runtime-Function-Error-Type' => error.runtime_error_type)
    end

    private

    def post(path, body, headers)
      body = body.b
      status, = request('POST', path, body, headers)
      warn "nubo runtime: POST #{path}: status #{status}" unless status == 202
    end

    def header_value(value)
      value.to_s.gsub(/[^\x20-\x7e]/, '?')
    end

    def connect
      @sock = TCPSocket.new(@host, @port)
      @sock.setsockopt(Socket::IPPROTO_TCP, Socket::TCP_NODELAY, 1)
      @sock.binmode
    end

    def close
      @sock&.close
    rescue IOError, SystemCallError
      nil
    ensure
      @sock = nil
    end

    def read_response
      line = @sock.gets("\r\n")
      raise EOFError, 'connection closed' if line.nil?

      status = line.split(' ', 3)[1].to_i
      headers = {}
      while (line = @sock.gets("\r\n"))
        line = line.chomp("\r\n")
        break if line.empty?

        key, value = line.split(':', 2)
        headers[key.strip.downcase] = value.to_s.strip.force_encoding(Encoding::UTF_8)
      end
      body =
        if headers['transfer-encoding'].to_s.downcase.include?('chunked')
          read_chunked
        elsif headers['content-length']
          read_exactly(headers['content-length'].to_i)
        else
          data = @sock.read
          close
          data
        end
      close if headers['connection'].to_s.downcase == 'close'
      [status, headers, body.force_encoding(Encoding::UTF_8)]
    end

    def read_exactly(n)
      data = n.zero? ? +'' : @sock.read(n)
      raise EOFError, 'connection closed inside a body' if data.nil? || data.bytesize != n

      data
    end

    def read_chunked
      data = +''
      loop do
        size_line = @sock.gets("\r\n")
        raise EOFError, 'connection closed inside a chunked body' if size_line.nil?

        size = size_line.split(';', 2)[0].strip.to_i(16)
        if size.zero?
          while (l = @sock.gets("\r\n")) && l != "\r\n"; end
          return data
        end
        data << read_exactly(size)
        @sock.gets("\r\n")
      end
    end
  end
end

# The context object handed to handlers, as AWS's Ruby runtime builds it.
class LambdaContext
  attr_reader :aws_request_id, :invoked_function_arn, :log_group_name,
              :log_stream_name, :function_name, :memory_limit_in_mb, :function_version,
              :identity, :tenant_id, :client_context, :deadline_ms

  def initialize(headers)
    @clock_diff = Process.clock_gettime(Process::CLOCK_REALTIME, :millisecond) -
                  Process.clock_gettime(Process::CLOCK_MONOTONIC, :millisecond)
    @deadline_ms = headers['lambda-runtime-deadline-ms'].to_i
    @aws_request_id = headers['lambda-runtime-aws-request-id']
    @invoked_function_arn = headers['lambda-runtime-invoked-function-arn']
    @tenant_id = headers['lambda-runtime-aws-tenant-id']
    @log_group_name = ENV['AWS_LAMBDA_LOG_GROUP_NAME']
    @log_stream_name = ENV['AWS_LAMBDA_LOG_STREAM_NAME']
    @function_name = ENV['AWS_LAMBDA_FUNCTION_NAME']
    @memory_limit_in_mb = ENV['AWS_LAMBDA_FUNCTION_MEMORY_SIZE']
    @function_version = ENV['AWS_LAMBDA_FUNCTION_VERSION']
    identity = headers['lambda-runtime-cognito-identity']
    client_context = headers['lambda-runtime-client-context']
    @identity = JSON.parse(identity) if identity
    @client_context = JSON.parse(client_context) if client_context
  end

  def get_remaining_time_in_millis
    now = Process.clock_gettime(Process::CLOCK_MONOTONIC, :millisecond) + @clock_diff
    remaining = @deadline_ms - now
    remaining.positive? ? remaining : 0
  end
end

# Logger lines carry the request id, as on AWS.
class LambdaLogFormatter < Logger::Formatter
  FORMAT = '%<sev>s, [%<datetime>s #%<process>d] %<severity>5s %<request_id>s -- %<progname>s: %<msg>s'

  def call(severity, time, progname, msg)
    line = format(FORMAT, sev: severity[0..0], datetime: format_datetime(time), process: $$,
                          severity: severity, request_id: $_global_aws_request_id, progname: progname,
                          msg: msg2str(msg))
    "#{line.encode('UTF-8', invalid: :replace, undef: :replace).gsub("\n", "\r")}\n"
  end
end

class LambdaJsonLogFormatter < Logger::Formatter
  def call(severity, time, progname, msg)
    payload = { timestamp: time.utc.strftime('%Y-%m-%dT%H:%M:%S.%6NZ'), level: severity,
                message: msg.is_a?(Exception) ? msg.message : msg2str(msg), requestId: $_global_aws_request_id }
    payload[:logger] = progname.to_s unless progname.nil? || progname.to_s.empty?
    if msg.is_a?(Exception)
      payload[:errorType] = msg.class.to_s
      payload[:errorMessage] = msg.message
      payload[:stackTrace] = Array(msg.backtrace)
    end
    "#{JSON.generate(payload.compact)}\n"
  end
end

# Loggers writing to stdout or stderr get the Lambda formatter and level.
module LambdaLoggerPatch
  def initialize(logdev, *args, **kwargs)
    super
    return unless logdev.nil? || logdev == $stdout || logdev == $stderr || logdev == STDOUT || logdev == STDERR

    json = ENV['AWS_LAMBDA_LOG_FORMAT'].to_s.upcase == 'JSON'
    @default_formatter = json ? LambdaJsonLogFormatter.new : LambdaLogFormatter.new
    level = ENV['AWS_LAMBDA_LOG_LEVEL'].to_s.upcase
    level = 'DEBUG' if level == 'TRACE'
    self.level = level.downcase.to_sym if !kwargs.key?(:level) && %w[DEBUG INFO WARN ERROR FATAL].include?(level)
  end
end
Logger.prepend(LambdaLoggerPatch)

class LambdaHandler
  attr_reader :handler_file_name, :handler_method_name

  def initialize(env_handler:)
    handler_split = env_handler.split('.')
    if handler_split.size == 2
      @handler_file_name, @handler_method_name = handler_split
    elsif handler_split.size == 3
      @handler_file_name, @handler_class, @handler_method_name = handler_split
    else
      raise ArgumentError, "Invalid handler #{handler_split}, must be of form FILENAME.METHOD or FILENAME.CLASS.METHOD " \
                           'where FILENAME corresponds with an existing Ruby source file FILENAME.rb, CLASS is an ' \
                           'optional module/class namespace and METHOD is a callable method. If using CLASS, METHOD ' \
                           'must be a class-level method.'
    end
  end

  def call_handler(request:, context:)
    opts = { event: request, context: context }
    response =
      if @handler_class
        Kernel.const_get(@handler_class).send(@handler_method_name, **opts)
      else
        __send__(@handler_method_name, **opts)
      end
    marshal(response)
  rescue NoMethodError, NameError => e
    raise NuboLambda::HandlerCriticalError, e
  rescue StandardError => e
    raise NuboLambda::HandlerError, e
  rescue Exception => e # rubocop:disable Lint/RescueException
    raise NuboLambda::HandlerCriticalError, e
  end

  private

  def marshal(response)
    case response
    when StringIO, IO then [response.read, 'application/unknown']
    else [response.to_json, 'application/json']
    end
  end
end

module NuboLambda
  class Runner
    def initialize(api)
      @api = api
      @active = true
      @exit_code = 0
    end

    def run(app_root, handler)
      $LOAD_PATH.unshift(app_root) unless $LOAD_PATH.include?(app_root)
      begin
        @handler = LambdaHandler.new(env_handler: handler)
        require @handler.handler_file_name
      rescue Exception => e # rubocop:disable Lint/RescueException
        error = InitError.new(e)
        NuboLambda.log_error(error, "Init error when loading handler #{handler}")
        @api.send_init_error(error)
        exit(-4)
      end
      loop_invocations
      exit(@exit_code)
    end

    private

    def loop_invocations
      while @active
        headers, body = @api.next_invocation
        request_id = headers['lambda-runtime-aws-request-id']
        $_global_aws_request_id = request_id
        if (trace_id = headers['lambda-runtime-trace-id'])
          ENV['_X_AMZN_TRACE_ID'] = trace_id
        else
          ENV.delete('_X_AMZN_TRACE_ID')
        end
        invoke(request_id, headers, body)
      end
    end

    def invoke(request_id, headers, body)
      request = headers['content-type'] == 'application/json' || headers['content-type'].nil? ? JSON.parse(body) : body
      context = LambdaContext.new(headers)
      response, content_type = @handler.call_handler(request: request, context: context)
      @api.send_response(request_id, response, content_type)
    rescue HandlerCriticalError => e
      NuboLambda.log_error(e, 'Critical exception from handler')
      @api.send_error(request_id, e)
      @active = false
      @exit_code = -1
    rescue HandlerError => e
      NuboLambda.log_error(e, 'Error raised from handler method')
      @api.send_error(request_id, e)
    rescue StandardError => e
      error = LambdaError.new(e, 'Runtime')
      @api.send_error(request_id, error)
      @active = false
      @exit_code = -2
    end
  end
end

address = ENV.fetch('AWS_LAMBDA_RUNTIME_API') do
  puts 'Failed to get runtime server address from AWS_LAMBDA_RUNTIME_API env variable'
  exit(-2)
end
app_root = ENV['LAMBDA_TASK_ROOT'] || Dir.pwd
NuboLambda::Runner.new(NuboLambda::RuntimeAPI.new(address)).run(app_root, ENV['_HANDLER'].to_s)
