#!/usr/bin/env bash
# End-to-end test of nubo's HTTP front door with the real AWS CLI v2 and
# curl: function URLs (create, get, list, update, delete; CORS preflight
# answered without a browser; the host and path forms) and API Gateway
# HTTP APIs (a quick create, then routes, integrations, a named stage and
# its deployment), reached at <id>.lambda-url.<region>.localhost and
# <api-id>.execute-api.<region>.localhost, which curl resolves to
# loopback. Exits non-zero at the first failed step and always stops its
# server.
set -euo pipefail

source "$(dirname "$0")/lib.bash"
require_aws

step "build nubo and the function"
build_nubo "$WORK/nubo"
mkdir -p "$WORK/fn"
(cd "$ROOT" && CGO_ENABLED=0 go build -ldflags='-s -w' -o "$WORK/fn/bootstrap" ./internal/server/testdata/httpfn)
(cd "$WORK/fn" && $PY -m zipfile -c "$WORK/fn.zip" bootstrap)

step "start nubo on $ENDPOINT"
start_nubo "$WORK/nubo" serve --addr "$NUBO_ADDR" --data-dir "$WORK/data"

lambda() { "$AWS" --endpoint-url "$ENDPOINT" lambda "$@"; }
apigw() { "$AWS" --endpoint-url "$ENDPOINT" apigatewayv2 "$@"; }
json() { $PY -c "import json, sys; d = json.load(sys.stdin); print($1)"; }
# allow_api API_ID: lets the API's routes invoke the function, as AWS
# requires of an API Gateway integration (500 otherwise).
allow_api() {
	lambda add-permission --function-name web --statement-id "apigateway-$1" --action lambda:InvokeFunction \
		--principal apigateway.amazonaws.com --source-arn "arn:aws:execute-api:us-east-1:000000000000:$1/*" >/dev/null
}

create_role e2e
lambda create-function --function-name web --runtime provided.al2023 --handler bootstrap \
	--role arn:aws:iam::000000000000:role/e2e --zip-file "fileb://$WORK/fn.zip" >/dev/null
lambda wait function-active-v2 --function-name web

step "function URL: create, get, list, update"
url=$(lambda create-function-url-config --function-name web --auth-type NONE \
	--cors 'AllowOrigins=https://app.example.com,AllowMethods=GET,POST,AllowHeaders=content-type,MaxAge=300' \
	--query FunctionUrl --output text)
matches "FunctionUrl" "$url" "^http://[a-z0-9]{32}\.lambda-url\.us-east-1\.localhost:$PORT/$"
id=${url#http://}
id=${id%%.*}
expect "GetFunctionUrlConfig AuthType" "$(lambda get-function-url-config --function-name web --query AuthType --output text)" NONE
expect "ListFunctionUrlConfigs" "$(lambda list-function-url-configs --function-name web --query 'length(FunctionUrlConfigs)')" 1
err=$(refused lambda create-function-url-config --function-name web --auth-type NONE)
contains "a second URL" "$err" ResourceConflictException

step "curl the URL by its host and by the path form"
body=$(curl -sS "${url}items/7?color=red" -H 'Cookie: a=1; b=2')
expect "rawPath" "$(json 'd["rawPath"]' <<<"$body")" /items/7
expect "query" "$(json 'd["queryStringParameters"]["color"]' <<<"$body")" red
expect "cookies" "$(json '",".join(d["cookies"])' <<<"$body")" "a=1,b=2"
expect "apiId" "$(json 'd["requestContext"]["apiId"]' <<<"$body")" "$id"
body=$(curl -sS "$ENDPOINT/_nubo/urls/$id/via/path")
expect "path form rawPath" "$(json 'd["rawPath"]' <<<"$body")" /via/path
expect "inferred response" "$(curl -sS "${url}raw")" '{"hello":"world"}'
expect "function error" "$(curl -s -o /dev/null -w '%{http_code}' "${url}error")" 502

step "CORS preflight, answered by nubo"
headers=$(curl -sS -o /dev/null -D - -X OPTIONS "${url}items" -H 'Origin: https://app.example.com' \
	-H 'Access-Control-Request-Method: POST' | tr -d '\r')
contains "preflight" "$headers" "Access-Control-Allow-Origin: https://app.example.com"
contains "preflight" "$headers" "Access-Control-Allow-Methods: GET,POST"
contains "preflight" "$headers" "Access-Control-Max-Age: 300"
headers=$(curl -sS -o /dev/null -D - "${url}items" -H 'Origin: https://app.example.com' | tr -d '\r')
contains "response" "$headers" "Access-Control-Allow-Origin: https://app.example.com"
headers=$(curl -sS -o /dev/null -D - "${url}items" -H 'Origin: https://elsewhere.example.com' | tr -d '\r')
[[ "$headers" != *Access-Control-Allow-Origin* ]] || fail "an origin not allowed got CORS headers"

step "AWS_IAM: an unsigned request is refused, a signed one served"
lambda update-function-url-config --function-name web --auth-type AWS_IAM >/dev/null
expect "unsigned" "$(curl -s -w ' %{http_code}' "$url")" '{"Message":"Forbidden"} 403'
body=$(curl -sS --aws-sigv4 "aws:amz:us-east-1:lambda" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" "${url}signed")
expect "signed by the account's root" "$(json 'd["requestContext"]["authorizer"]["iam"]["accessKey"]' <<<"$body")" "$AWS_ACCESS_KEY_ID"
lambda delete-function-url-config --function-name web
expect "deleted URL" "$(curl -s -o /dev/null -w '%{http_code}' "$url")" 404

step "HTTP API: quick create"
read -r api endpoint < <(apigw create-api --name quick --protocol-type HTTP \
	--target arn:aws:lambda:us-east-1:000000000000:function:web --query '[ApiId, ApiEndpoint]' --output text)
expect "ApiEndpoint" "$endpoint" "http://$api.execute-api.us-east-1.localhost:$PORT"
expect "before add-permission" "$(curl -s -o /dev/null -w '%{http_code}' "$endpoint/anything")" 500
allow_api "$api"
body=$(curl -sS "$endpoint/anything?x=1")
expect "routeKey" "$(json 'd["routeKey"]' <<<"$body")" '$default'
expect "stage" "$(json 'd["requestContext"]["stage"]' <<<"$body")" '$default'
body=$(curl -sS "http://$api.execute-api.localhost:$PORT/short")
expect "the host without a region" "$(json 'd["rawPath"]' <<<"$body")" /short
body=$(curl -sS "$ENDPOINT/_nubo/apis/$api/\$default/p")
expect "path form" "$(json 'd["rawPath"]' <<<"$body")" /p

step "HTTP API: routes, an integration in payload 1.0, a stage and its deployment"
api=$(apigw create-api --name shop --protocol-type HTTP --query ApiId --output text)
allow_api "$api"
integ=$(apigw create-integration --api-id "$api" --integration-type AWS_PROXY --payload-format-version 1.0 \
	--integration-uri arn:aws:lambda:us-east-1:000000000000:function:web --query IntegrationId --output text)
apigw create-route --api-id "$api" --route-key 'GET /items/{id}' --target "integrations/$integ" >/dev/null
apigw create-route --api-id "$api" --route-key 'ANY /{proxy+}' --target "integrations/$integ" >/dev/null
apigw create-stage --api-id "$api" --stage-name prod --stage-variables color=blue >/dev/null
base="http://$api.execute-api.us-east-1.localhost:$PORT"
expect "before deployment" "$(curl -s -w ' %{http_code}' "$base/prod/items/7")" '{"message":"Not Found"} 404'
apigw create-deployment --api-id "$api" --stage-name prod >/dev/null
body=$(curl -sS "$base/prod/items/7")
expect "version" "$(json 'd["version"]' <<<"$body")" 1.0
expect "resource" "$(json 'd["resource"]' <<<"$body")" '/items/{id}'
expect "path" "$(json 'd["path"]' <<<"$body")" /prod/items/7
expect "id" "$(json 'd["pathParameters"]["id"]' <<<"$body")" 7
expect "stage variable" "$(json 'd["stageVariables"]["color"]' <<<"$body")" blue
body=$(curl -sS -X POST "$base/prod/other/path")
expect "greedy route" "$(json 'd["pathParameters"]["proxy"]' <<<"$body")" other/path
expect "GetRoutes" "$(apigw get-routes --api-id "$api" --query 'length(Items)')" 2
expect "GetStage deployment" "$(apigw get-stage --api-id "$api" --stage-name prod --query 'DeploymentId != null')" true
err=$(refused apigw get-api --api-id nosuchapi0)
contains "unknown API" "$err" NotFoundException

step "the bill lists the APIs"
"$WORK/nubo" cost | tee "$WORK/cost.txt" | sed -n '1,3p'
contains "nubo cost" "$(cat "$WORK/cost.txt")" "HTTP APIs: \$1 per 1M requests"

step "delete the API"
apigw delete-api --api-id "$api"
expect "deleted API" "$(curl -s -o /dev/null -w '%{http_code}' "$base/prod/items/7")" 404
echo "frontdoor_cli: all steps passed"
