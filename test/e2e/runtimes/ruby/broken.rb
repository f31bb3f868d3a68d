# A file whose dependency is not in the package: loading it fails.
require 'not_a_packaged_dependency'

def handler(event:, context:)
  event
end
