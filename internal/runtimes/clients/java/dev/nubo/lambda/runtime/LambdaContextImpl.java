package dev.nubo.lambda.runtime;

import com.amazonaws.services.lambda.runtime.Client;
import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The context of one invocation. */
final class LambdaContextImpl implements dev.nubo.lambda.Context {
    private static final String FUNCTION_NAME = System.getenv("AWS_LAMBDA_FUNCTION_NAME");
    private static final String FUNCTION_VERSION = System.getenv("AWS_LAMBDA_FUNCTION_VERSION");
    private static final String LOG_GROUP = System.getenv("AWS_LAMBDA_LOG_GROUP_NAME");
    private static final String LOG_STREAM = System.getenv("AWS_LAMBDA_LOG_STREAM_NAME");
    private static final int MEMORY = parseInt(System.getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"));

    private final RuntimeApi.Invocation inv;
    private final LambdaLogger logger;
    private final CognitoIdentity identity;
    private final ClientContext clientContext;

    LambdaContextImpl(RuntimeApi.Invocation inv, LambdaLogger logger) {
        this.inv = inv;
        this.logger = logger;
        this.identity = cognito(inv.cognitoIdentity);
        this.clientContext = clientContext(inv.clientContext);
    }

    private static int parseInt(String s) {
        try {
            return s == null ? 0 : Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static Map<?, ?> parseObject(String json) {
        if (json == null || json.isEmpty()) {
            return null;
        }
        try {
            Object v = Json.parse(json);
            return v instanceof Map ? (Map<?, ?>) v : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String str(Map<?, ?> m, String key) {
        Object v = m == null ? null : m.get(key);
        return v == null ? null : v.toString();
    }

    private static Map<String, String> strings(Object v) {
        if (!(v instanceof Map)) {
            return null;
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
            out.put(String.valueOf(e.getKey()), e.getValue() == null ? null : e.getValue().toString());
        }
        return out;
    }

    private static CognitoIdentity cognito(String json) {
        Map<?, ?> m = parseObject(json);
        if (m == null) {
            return null;
        }
        String id = str(m, "cognitoIdentityId");
        String pool = str(m, "cognitoIdentityPoolId");
        return new CognitoIdentity() {
            public String getIdentityId() {
                return id;
            }

            public String getIdentityPoolId() {
                return pool;
            }

            @Override
            public String toString() {
                return "CognitoIdentity{identityId=" + id + ", identityPoolId=" + pool + "}";
            }
        };
    }

    private static ClientContext clientContext(String json) {
        Map<?, ?> m = parseObject(json);
        if (m == null) {
            return null;
        }
        Map<?, ?> c = m.get("client") instanceof Map ? (Map<?, ?>) m.get("client") : null;
        Client client = c == null ? null : new Client() {
            public String getInstallationId() {
                return str(c, "installation_id");
            }

            public String getAppTitle() {
                return str(c, "app_title");
            }

            public String getAppVersionName() {
                return str(c, "app_version_name");
            }

            public String getAppVersionCode() {
                return str(c, "app_version_code");
            }

            public String getAppPackageName() {
                return str(c, "app_package_name");
            }
        };
        Map<String, String> custom = strings(m.get("custom"));
        Map<String, String> env = strings(m.get("env"));
        return new ClientContext() {
            public Client getClient() {
                return client;
            }

            public Map<String, String> getCustom() {
                return custom;
            }

            public Map<String, String> getEnvironment() {
                return env == null ? null : Collections.unmodifiableMap(env);
            }
        };
    }

    public String getAwsRequestId() {
        return inv.id;
    }

    public String getLogGroupName() {
        return LOG_GROUP;
    }

    public String getLogStreamName() {
        return LOG_STREAM;
    }

    public String getFunctionName() {
        return FUNCTION_NAME;
    }

    public String getFunctionVersion() {
        return FUNCTION_VERSION;
    }

    public String getInvokedFunctionArn() {
        return inv.invokedFunctionArn;
    }

    public CognitoIdentity getIdentity() {
        return identity;
    }

    public ClientContext getClientContext() {
        return clientContext;
    }

    public int getRemainingTimeInMillis() {
        long remaining = inv.deadlineMs - System.currentTimeMillis();
        return remaining > 0 ? (int) Math.min(remaining, Integer.MAX_VALUE) : 0;
    }

    public int getMemoryLimitInMB() {
        return MEMORY;
    }

    public LambdaLogger getLogger() {
        return logger;
    }

    @Override
    public String getXrayTraceId() {
        return inv.traceId;
    }

    @Override
    public String getTenantId() {
        return inv.tenantId;
    }

    @Override
    public String toString() {
        return "LambdaContext{awsRequestId=" + inv.id + ", functionName=" + FUNCTION_NAME + ", functionVersion="
                + FUNCTION_VERSION + ", invokedFunctionArn=" + inv.invokedFunctionArn + "}";
    }
}
