package dev.nubo.lambda.runtime;

import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.LambdaRuntime;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOError;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * nubo's Java runtime client: loads the user's handler from the task root
 * (classes and lib/*.jar) and layers, then serves invocations from the
 * Lambda Runtime API 2018-06-01 until the environment is stopped.
 */
public final class Main {
    private static final String TRACE_PROPERTY = "com.amazonaws.xray.traceHeader";

    private Main() {}

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.setOut(out);
        System.setErr(new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8));
        ContextLogger logger = new ContextLogger(out, System.getenv("AWS_LAMBDA_LOG_LEVEL"),
                System.getenv("AWS_LAMBDA_LOG_FORMAT"));
        installRuntimeLogger(logger);

        String address = System.getenv("AWS_LAMBDA_RUNTIME_API");
        if (address == null || address.isEmpty()) {
            System.err.println("nubo runtime: AWS_LAMBDA_RUNTIME_API is not set");
            System.exit(1);
        }
        RuntimeApi api = new RuntimeApi(address);

        String taskRoot = System.getenv("LAMBDA_TASK_ROOT");
        if (taskRoot == null || taskRoot.isEmpty()) {
            taskRoot = System.getProperty("user.dir");
        }
        ClassLoader loader = customerClassLoader(taskRoot, System.getProperty("nubo.lambda.layers"));
        Thread.currentThread().setContextClassLoader(loader);

        String handler = System.getenv("_HANDLER");
        HandlerLoader.Invoker invoker;
        try {
            invoker = HandlerLoader.load(handler == null ? "" : handler, loader);
        } catch (UserFault f) {
            logger.write(f.reportable());
            api.postInitError(f.toJson(), "Runtime.BadFunctionCode");
            System.exit(1);
            return;
        }
        loop(api, invoker, logger);
    }

    // LambdaRuntime.getLogger() must return the runtime's logger; the field is
    // private in aws-lambda-java-core too, and AWS's runtime sets it the same way.
    private static void installRuntimeLogger(LambdaLogger logger) {
        try {
            Field f = LambdaRuntime.class.getDeclaredField("logger");
            f.setAccessible(true);
            f.set(null, logger);
        } catch (ReflectiveOperationException e) {
            System.err.println("nubo runtime: cannot install LambdaRuntime logger: " + e);
        }
    }

    private static ClassLoader customerClassLoader(String taskRoot, String layers) throws MalformedURLException {
        List<URL> urls = new ArrayList<>();
        urls.add(new File(taskRoot).toURI().toURL());
        addJars(urls, new File(taskRoot, "lib"));
        if (layers != null && !layers.isEmpty()) {
            addJars(urls, new File(layers));
        }
        return new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getSystemClassLoader());
    }

    private static void addJars(List<URL> urls, File dir) throws MalformedURLException {
        File[] jars = dir.listFiles((d, name) -> name.endsWith(".jar"));
        if (jars == null) {
            return;
        }
        Arrays.sort(jars);
        for (File jar : jars) {
            urls.add(jar.toURI().toURL());
        }
    }

    private static void loop(RuntimeApi api, HandlerLoader.Invoker invoker, ContextLogger logger)
            throws IOException {
        boolean exit = false;
        while (!exit) {
            RuntimeApi.Invocation inv = api.next();
            if (inv.traceId != null) {
                System.setProperty(TRACE_PROPERTY, inv.traceId);
            } else {
                System.clearProperty(TRACE_PROPERTY);
            }
            logger.setInvocation(inv.id, inv.tenantId);
            LambdaContextImpl ctx = new LambdaContextImpl(inv, logger);
            try {
                byte[] response = invoker.invoke(inv, ctx);
                api.postResponse(inv.id, response, "application/json");
                Thread.interrupted(); // clear a flag the user's code may have left
            } catch (UserFault f) {
                exit = f.fatal;
                api.postError(inv.id, f.toJson(), "Runtime.BadFunctionCode", null);
                logger.write(f.reportable());
            } catch (Throwable t) {
                exit = t instanceof VirtualMachineError || t instanceof IOError;
                UserFault.filter(t);
                api.postError(inv.id, UserFault.errorJson(t), "Runtime.UserException", UserFault.xrayCause(t));
                logger.write(UserFault.of(t, false).reportable());
            }
        }
        System.exit(1);
    }
}
