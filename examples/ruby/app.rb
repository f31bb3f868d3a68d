# An example function for nubo's ruby3.3 runtime: it greets whoever the event
# names.
#
#   nubo deploy examples/ruby --name hello-ruby --runtime ruby3.3 --handler app.handler
#   nubo invoke hello-ruby --payload '{"name": "Ada"}'

def handler(event:, context:)
  name = event['name'] || 'world'
  puts "greeting #{name}"
  { message: "Hello, #{name}!", requestId: context.aws_request_id }
end
