package e2e;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * The Java function of test/e2e/runtimes_cli.sh: one handler whose event's
 * "op" picks what to show of the runtime.
 */
public class Handler implements RequestHandler<Map<String, Object>, Object> {
    // Static state lives as long as the execution environment.
    private static final String INIT_ID = UUID.randomUUID().toString();
    private static int invocations;

    private static final List<String> ENV_NAMES = Arrays.asList(
            "GREETING", "AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION", "AWS_EXECUTION_ENV", "_HANDLER", "LAMBDA_TASK_ROOT");

    @Override
    public Object handleRequest(Map<String, Object> event, Context context) {
        invocations++;
        String op = String.valueOf(event.get("op"));
        switch (op) {
            case "inspect":
                return inspect(event, context);
            case "big":
                return "x".repeat(((Number) event.get("n")).intValue());
            case "handled":
                Map<String, Object> err = new LinkedHashMap<>();
                err.put("errorType", "ValidationError");
                err.put("errorMessage", "name is required ✗");
                return err;
            case "fail":
                throw new ValidationException("boom ✗");
            case "sleep":
                try {
                    Thread.sleep(((Number) event.get("seconds")).longValue() * 1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return "woke up";
            default:
                throw new IllegalArgumentException("unknown op " + op);
        }
    }

    private Map<String, Object> inspect(Map<String, Object> event, Context context) {
        String text = (String) event.get("text");
        context.getLogger().log("inspect " + text);
        Path path = Path.of("/tmp", (String) event.get("file"));
        String before;
        try {
            before = Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            before = null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Files.writeString(path, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int first = context.getRemainingTimeInMillis();
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int second = context.getRemainingTimeInMillis();

        Map<String, Object> env = new LinkedHashMap<>();
        for (String name : ENV_NAMES) {
            env.put(name, System.getenv(name));
        }
        CognitoIdentity identity = context.getIdentity();
        ClientContext client = context.getClientContext();
        Map<String, Object> ctx = new LinkedHashMap<>();
        ctx.put("requestId", context.getAwsRequestId());
        ctx.put("functionName", context.getFunctionName());
        ctx.put("functionVersion", context.getFunctionVersion());
        ctx.put("invokedFunctionArn", context.getInvokedFunctionArn());
        ctx.put("memoryLimitInMB", context.getMemoryLimitInMB());
        ctx.put("logGroupName", context.getLogGroupName());
        ctx.put("logStreamName", context.getLogStreamName());
        ctx.put("identityId", identity == null ? null : identity.getIdentityId());
        ctx.put("clientCustom", client == null ? null : client.getCustom());
        ctx.put("remaining", Arrays.asList(first, second));

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("text", text);
        out.put("upper", text.toUpperCase(Locale.ROOT));
        out.put("count", invocations);
        out.put("initId", INIT_ID);
        out.put("tmpBefore", before);
        out.put("env", env);
        out.put("ctx", ctx);
        return out;
    }
}
