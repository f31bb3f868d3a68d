package example;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.Map;

/**
 * An example function for nubo's java17 runtime: it greets whoever the event
 * names. It is compiled against aws-lambda-java-core's interfaces, which nubo's
 * runtime provides; plain javac needs only their sources (nubo's copy, left out
 * of the output by -implicit:none) or AWS's jar (-cp aws-lambda-java-core.jar):
 *
 * <pre>
 * javac --release 17 -implicit:none -sourcepath internal/runtimes/clients/java -d examples/java/build examples/java/src/example/Hello.java
 * nubo deploy examples/java/build --name hello-java --runtime java17 --handler example.Hello::handleRequest
 * nubo invoke hello-java --payload '{"name": "Ada"}'
 * </pre>
 *
 * The folder deploys as a zip of class folders; {@code jar --create --file hello.zip -C examples/java/build .}
 * makes the same zip for the AWS CLI.
 */
public class Hello implements RequestHandler<Map<String, String>, Map<String, String>> {
    @Override
    public Map<String, String> handleRequest(Map<String, String> event, Context context) {
        String name = event.getOrDefault("name", "world");
        context.getLogger().log("greeting " + name);
        return Map.of("message", "Hello, " + name + "!", "requestId", context.getAwsRequestId());
    }
}
