package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

const nodeStreaming = `const fs = require('fs');

const released = (fifo) => new Promise((resolve, reject) => {
  const s = fs.createReadStream(fifo, { encoding: 'utf8' });
  let got = '';
  s.on('data', (d) => { got += d; });
  s.on('end', () => resolve(got.trim()));
  s.on('error', reject);
});

exports.http = awslambda.streamifyResponse(async (event, responseStream, context) => {
  const fifo = event.queryStringParameters.fifo;
  const out = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 201, headers: { 'content-type': 'text/plain', 'x-request': context.awsRequestId }, cookies: ['node=streamed'] });
  out.write('first\n');
  const word = await released(fifo);
  out.write('second after ' + word + '\n');
  out.end();
});

exports.fails = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.setContentType('text/plain');
  responseStream.write('partial');
  throw new TypeError('broke mid-stream');
});
`

// nubo's Node.js runtime streams: awslambda.streamifyResponse and
// awslambda.HttpResponseStream.from through a RESPONSE_STREAM function URL,
// whose client gets the first line while the handler still waits, and a
// failure mid-stream through InvokeWithResponseStream.
func TestNodeResponseStreaming(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	n := sharedNubo(t)
	for _, fn := range []string{"http", "fails"} {
		n.create(t, &lambda.CreateFunctionInput{FunctionName: aws.String("node-" + fn), Role: aws.String(role), Runtime: types.RuntimeNodejs20x,
			Handler: aws.String("index." + fn), Code: &types.FunctionCode{ZipFile: makeZip(t, "index.js", nodeStreaming)}})
	}
	url := n.urlOf(t, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("node-http"), AuthType: types.FunctionUrlAuthTypeNone,
		InvokeMode: types.InvokeModeResponseStream})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	path := fifo(t)
	resp, err := n.web().Do(newRequest(t, "GET", url+"?fifo="+path, "").WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 201 || resp.Header.Get("Content-Type") != "text/plain" || resp.Header.Get("Set-Cookie") != "node=streamed" ||
		resp.Header.Get("X-Request") != resp.Header.Get("X-Amzn-Requestid") {
		t.Errorf("head: %d %v", resp.StatusCode, resp.Header)
	}
	r := bufio.NewReader(resp.Body)
	if first, err := r.ReadString('\n'); err != nil || first != "first\n" {
		t.Fatalf("first line %q: %v", first, err)
	}
	release(t, path)
	if rest, _ := io.ReadAll(r); string(rest) != "second after release\n" {
		t.Errorf("rest %q", rest)
	}

	out, err := n.client.InvokeWithResponseStream(ctx, &lambda.InvokeWithResponseStreamInput{FunctionName: aws.String("node-fails"), Payload: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	var complete *types.InvokeWithResponseStreamCompleteEvent
	for ev := range out.GetStream().Events() {
		switch v := ev.(type) {
		case *types.InvokeWithResponseStreamResponseEventMemberPayloadChunk:
			got.Write(v.Value.Payload)
		case *types.InvokeWithResponseStreamResponseEventMemberInvokeComplete:
			complete = &v.Value
		}
	}
	if got.String() != "partial" || complete == nil || aws.ToString(complete.ErrorCode) != "TypeError" || aws.ToString(complete.ErrorDetails) != "broke mid-stream" {
		t.Errorf("chunks %q, complete %+v", got.String(), complete)
	}
	// The environment serves the next invocation.
	res, err := n.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("node-fails"), Payload: []byte(`{}`)})
	var e struct{ ErrorType string }
	if err != nil || json.Unmarshal(res.Payload, &e) != nil || e.ErrorType != "TypeError" {
		t.Errorf("plain Invoke of a streaming function: %v %s", err, res.Payload)
	}
}
