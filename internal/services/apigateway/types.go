package apigateway

// The shapes of the apigatewayv2 API, with AWS's member names; the wire
// package serves them as they are.

// Cors is an API's CORS configuration.
type Cors struct {
	AllowCredentials *bool    `json:"allowCredentials,omitempty"`
	AllowHeaders     []string `json:"allowHeaders,omitempty"`
	AllowMethods     []string `json:"allowMethods,omitempty"`
	AllowOrigins     []string `json:"allowOrigins,omitempty"`
	ExposeHeaders    []string `json:"exposeHeaders,omitempty"`
	MaxAge           *int     `json:"maxAge,omitempty"`
}

// Api is an HTTP API.
type Api struct {
	ApiEndpoint               string            `json:"apiEndpoint,omitempty"`
	ApiId                     string            `json:"apiId"`
	ApiKeySelectionExpression string            `json:"apiKeySelectionExpression,omitempty"`
	CorsConfiguration         *Cors             `json:"corsConfiguration,omitempty"`
	CreatedDate               string            `json:"createdDate,omitempty"`
	Description               string            `json:"description,omitempty"`
	DisableExecuteApiEndpoint bool              `json:"disableExecuteApiEndpoint"`
	IpAddressType             string            `json:"ipAddressType,omitempty"`
	Name                      string            `json:"name"`
	ProtocolType              string            `json:"protocolType"`
	RouteSelectionExpression  string            `json:"routeSelectionExpression,omitempty"`
	Tags                      map[string]string `json:"tags,omitempty"`
	Version                   string            `json:"version,omitempty"`
}

// Route is a route key and what serves it.
type Route struct {
	ApiGatewayManaged   bool     `json:"apiGatewayManaged,omitempty"`
	ApiKeyRequired      bool     `json:"apiKeyRequired"`
	AuthorizationScopes []string `json:"authorizationScopes,omitempty"`
	AuthorizationType   string   `json:"authorizationType,omitempty"`
	AuthorizerId        string   `json:"authorizerId,omitempty"`
	OperationName       string   `json:"operationName,omitempty"`
	RouteId             string   `json:"routeId"`
	RouteKey            string   `json:"routeKey"`
	Target              string   `json:"target,omitempty"`
}

// Integration is where a route's requests go.
type Integration struct {
	ApiGatewayManaged    bool   `json:"apiGatewayManaged,omitempty"`
	ConnectionType       string `json:"connectionType,omitempty"`
	Description          string `json:"description,omitempty"`
	IntegrationId        string `json:"integrationId"`
	IntegrationMethod    string `json:"integrationMethod,omitempty"`
	IntegrationType      string `json:"integrationType"`
	IntegrationUri       string `json:"integrationUri,omitempty"`
	PayloadFormatVersion string `json:"payloadFormatVersion,omitempty"`
	TimeoutInMillis      int    `json:"timeoutInMillis,omitempty"`
}

// JWTConfiguration is a JWT authorizer's issuer and audiences.
type JWTConfiguration struct {
	Audience []string `json:"audience,omitempty"`
	Issuer   string   `json:"issuer,omitempty"`
}

// Authorizer decides whether a route's request may proceed.
type Authorizer struct {
	AuthorizerId                   string            `json:"authorizerId"`
	AuthorizerPayloadFormatVersion string            `json:"authorizerPayloadFormatVersion,omitempty"`
	AuthorizerResultTtlInSeconds   *int              `json:"authorizerResultTtlInSeconds,omitempty"`
	AuthorizerType                 string            `json:"authorizerType"`
	AuthorizerUri                  string            `json:"authorizerUri,omitempty"`
	EnableSimpleResponses          bool              `json:"enableSimpleResponses,omitempty"`
	IdentitySource                 []string          `json:"identitySource,omitempty"`
	JwtConfiguration               *JWTConfiguration `json:"jwtConfiguration,omitempty"`
	Name                           string            `json:"name"`
}

// RouteSettings are a stage's limits for all routes or one.
type RouteSettings struct {
	DetailedMetricsEnabled *bool    `json:"detailedMetricsEnabled,omitempty"`
	ThrottlingBurstLimit   *int     `json:"throttlingBurstLimit,omitempty"`
	ThrottlingRateLimit    *float64 `json:"throttlingRateLimit,omitempty"`
	DataTraceEnabled       *bool    `json:"dataTraceEnabled,omitempty"`
	LoggingLevel           string   `json:"loggingLevel,omitempty"`
}

// AccessLogSettings send a line per request to a CloudWatch Logs group.
type AccessLogSettings struct {
	DestinationArn string `json:"destinationArn,omitempty"`
	Format         string `json:"format,omitempty"`
}

// Stage is a named deployment of an API, with its settings.
type Stage struct {
	AccessLogSettings           *AccessLogSettings        `json:"accessLogSettings,omitempty"`
	ApiGatewayManaged           bool                      `json:"apiGatewayManaged,omitempty"`
	AutoDeploy                  bool                      `json:"autoDeploy"`
	CreatedDate                 string                    `json:"createdDate,omitempty"`
	DefaultRouteSettings        *RouteSettings            `json:"defaultRouteSettings,omitempty"`
	DeploymentId                string                    `json:"deploymentId,omitempty"`
	Description                 string                    `json:"description,omitempty"`
	LastDeploymentStatusMessage string                    `json:"lastDeploymentStatusMessage,omitempty"`
	LastUpdatedDate             string                    `json:"lastUpdatedDate,omitempty"`
	RouteSettings               map[string]*RouteSettings `json:"routeSettings,omitempty"`
	StageName                   string                    `json:"stageName"`
	StageVariables              map[string]string         `json:"stageVariables,omitempty"`
	Tags                        map[string]string         `json:"tags,omitempty"`
}

// Deployment is a snapshot of an API's routes, integrations, authorizers
// and CORS configuration that stages serve.
type Deployment struct {
	AutoDeployed            bool   `json:"autoDeployed"`
	CreatedDate             string `json:"createdDate,omitempty"`
	DeploymentId            string `json:"deploymentId"`
	DeploymentStatus        string `json:"deploymentStatus"`
	DeploymentStatusMessage string `json:"deploymentStatusMessage,omitempty"`
	Description             string `json:"description,omitempty"`
}

// DomainNameConfiguration is a custom domain name's endpoint.
type DomainNameConfiguration struct {
	ApiGatewayDomainName string `json:"apiGatewayDomainName,omitempty"`
	CertificateArn       string `json:"certificateArn,omitempty"`
	CertificateName      string `json:"certificateName,omitempty"`
	DomainNameStatus     string `json:"domainNameStatus,omitempty"`
	EndpointType         string `json:"endpointType,omitempty"`
	HostedZoneId         string `json:"hostedZoneId,omitempty"`
	SecurityPolicy       string `json:"securityPolicy,omitempty"`
}

// DomainName is a custom domain name whose API mappings route requests
// to stages.
type DomainName struct {
	ApiMappingSelectionExpression string                    `json:"apiMappingSelectionExpression,omitempty"`
	DomainName                    string                    `json:"domainName"`
	DomainNameArn                 string                    `json:"domainNameArn,omitempty"`
	DomainNameConfigurations      []DomainNameConfiguration `json:"domainNameConfigurations,omitempty"`
	Tags                          map[string]string         `json:"tags,omitempty"`
}

// ApiMapping maps a path of a custom domain name to an API's stage.
type ApiMapping struct {
	ApiId         string `json:"apiId"`
	ApiMappingId  string `json:"apiMappingId"`
	ApiMappingKey string `json:"apiMappingKey,omitempty"`
	Stage         string `json:"stage"`
}

// Page is a list request's paging: maxResults and nextToken.
type Page struct {
	MaxResults string `json:"-" wire:"query=maxResults"`
	NextToken  string `json:"-" wire:"query=nextToken"`
}

// List is a page of items.
type List[T any] struct {
	Items     []*T   `json:"items"`
	NextToken string `json:"nextToken,omitempty"`
}
