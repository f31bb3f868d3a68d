package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/nubo-dev/nubo/internal/server"
)

// Credentials are those the benchmarks sign with: the default root's,
// which a benchmark's server keeps.
var Credentials = aws.Credentials{AccessKeyID: server.DefaultRootKey, SecretAccessKey: server.DefaultRootKey}

// signer signs the benchmarks' hand-made requests as the SDKs do.
var signer = v4.NewSigner()

// Sign signs req, whose body is body, for service with Credentials: the
// benchmarks pay for real signatures, as clients do.
func Sign(req *http.Request, body []byte, service string) error {
	sum := sha256.Sum256(body)
	return signer.SignHTTP(req.Context(), Credentials, req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now())
}

// Role is the execution role of the benchmarks' functions; StartServer
// creates it.
const Role = "arn:aws:iam::000000000000:role/bench"

// CreateRole makes Role on the server at addr.
func CreateRole(ctx context.Context, addr string) error {
	client := iam.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr),
		Credentials: credentials.StaticCredentialsProvider{Value: Credentials}})
	_, err := client.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bench"), AssumeRolePolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	var exists *iamtypes.EntityAlreadyExistsException
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("create the benchmark's role: %w", err)
	}
	return nil
}
