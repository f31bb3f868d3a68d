# The Ruby function of test/e2e/runtimes_cli.sh: one handler whose event's
# "op" picks what to show of the runtime.
require 'json'
require 'logger'
require 'securerandom'

# Module code runs once per execution environment.
INIT_ID = SecureRandom.uuid
$invocations = 0

ENV_NAMES = %w[GREETING AWS_LAMBDA_FUNCTION_NAME AWS_REGION AWS_EXECUTION_ENV _HANDLER LAMBDA_TASK_ROOT].freeze
LOGGER = Logger.new($stdout)

class ValidationError < StandardError; end

def handler(event:, context:)
  $invocations += 1
  case event['op']
  when 'inspect' then inspect_runtime(event, context)
  when 'big' then 'x' * event['n']
  when 'handled' then { 'errorType' => 'ValidationError', 'errorMessage' => 'name is required ✗' }
  when 'fail' then raise ValidationError, 'boom ✗'
  when 'sleep'
    sleep event['seconds']
    'woke up'
  else raise ArgumentError, "unknown op #{event['op']}"
  end
end

def inspect_runtime(event, context)
  LOGGER.info("inspect #{event['text']}")
  path = "/tmp/#{event['file']}"
  before = File.exist?(path) ? File.read(path, encoding: 'UTF-8') : nil
  File.write(path, event['text'])
  first = context.get_remaining_time_in_millis
  sleep 0.05
  second = context.get_remaining_time_in_millis
  {
    'text' => event['text'],
    'upper' => event['text'].upcase,
    'count' => $invocations,
    'initId' => INIT_ID,
    'tmpBefore' => before,
    'env' => ENV_NAMES.to_h { |n| [n, ENV[n]] },
    'ctx' => {
      'requestId' => context.aws_request_id,
      'functionName' => context.function_name,
      'functionVersion' => context.function_version,
      'invokedFunctionArn' => context.invoked_function_arn,
      'memoryLimitInMB' => context.memory_limit_in_mb,
      'logGroupName' => context.log_group_name,
      'logStreamName' => context.log_stream_name,
      'identityId' => context.identity&.fetch('cognitoIdentityId', nil),
      'clientCustom' => context.client_context&.fetch('custom', nil),
      'remaining' => [first, second]
    }
  }
end
