# nubo's Python runtime client entry point. It stays tiny because Python
# never caches the bytecode of the script it runs; the client itself lives in
# nubo_lambda_runtime, which is compiled once and cached.
import nubo_lambda_runtime

nubo_lambda_runtime.main()
