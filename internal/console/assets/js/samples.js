// Sample events of the triggers a function may have, in AWS's shape, for
// the test panel.
export const samples = {
  "Empty object": {},
  "SQS message": {
    Records: [{
      messageId: "059f36b4-87a3-44ab-83d2-661975830a7d", receiptHandle: "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...",
      body: "test", attributes: { ApproximateReceiveCount: "1", SentTimestamp: "1545082649183", SenderId: "AIDAIENQZJOLO23YVJ4VO", ApproximateFirstReceiveTimestamp: "1545082649185" },
      messageAttributes: {}, md5OfBody: "098f6bcd4621d373cade4e832627b4f6", eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:my-queue", awsRegion: "us-east-1",
    }],
  },
  "SNS notification": {
    Records: [{
      EventVersion: "1.0", EventSubscriptionArn: "arn:aws:sns:us-east-1:000000000000:topic:sub", EventSource: "aws:sns",
      Sns: { SignatureVersion: "1", Timestamp: "2019-01-02T12:45:07.000Z", Signature: "tcc6faL2yUC6dgZdmrwh1Y4cGa/ebXEkAi6RibDsvpi+tE/1+82j...oJ0qVHBtsvoNSE6SPYQ==", SigningCertUrl: "https://sns.us-east-1.amazonaws.com/SimpleNotificationService.pem", MessageId: "95df01b4-ee98-5cb9-9903-4c221d41eb5e", Message: "Hello from SNS!", MessageAttributes: {}, Type: "Notification", UnsubscribeUrl: "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe", TopicArn: "arn:aws:sns:us-east-1:000000000000:topic", Subject: "TestInvoke" },
    }],
  },
  "S3 put": {
    Records: [{
      eventVersion: "2.1", eventSource: "aws:s3", awsRegion: "us-east-1", eventTime: "1970-01-01T00:00:00.000Z", eventName: "ObjectCreated:Put",
      userIdentity: { principalId: "EXAMPLE" }, requestParameters: { sourceIPAddress: "127.0.0.1" },
      responseElements: { "x-amz-request-id": "EXAMPLE123456789", "x-amz-id-2": "EXAMPLE123/5678abcdefghijklambdaisawesome/mnopqrstuvwxyzABCDEFGH" },
      s3: { s3SchemaVersion: "1.0", configurationId: "testConfigRule", bucket: { name: "example-bucket", ownerIdentity: { principalId: "EXAMPLE" }, arn: "arn:aws:s3:::example-bucket" }, object: { key: "test%2Fkey", size: 1024, eTag: "0123456789abcdef0123456789abcdef", sequencer: "0A1B2C3D4E5F678901" } },
    }],
  },
  "EventBridge event": {
    version: "0", id: "89d1a02d-5ec7-412e-82f5-13505f849b41", "detail-type": "Scheduled Event", source: "aws.events", account: "000000000000",
    time: "2016-12-30T18:44:49Z", region: "us-east-1", resources: ["arn:aws:events:us-east-1:000000000000:rule/SampleRule"], detail: {},
  },
  "HTTP API request (payload 2.0)": {
    version: "2.0", routeKey: "GET /items/{id}", rawPath: "/items/7", rawQueryString: "", headers: { accept: "*/*", host: "api.example.com" },
    requestContext: { accountId: "000000000000", apiId: "api-id", domainName: "api.example.com", domainPrefix: "api", http: { method: "GET", path: "/items/7", protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "curl/8.0" }, requestId: "id", routeKey: "GET /items/{id}", stage: "$default", time: "12/Mar/2020:19:03:58 +0000", timeEpoch: 1583348638390 },
    pathParameters: { id: "7" }, isBase64Encoded: false,
  },
};
