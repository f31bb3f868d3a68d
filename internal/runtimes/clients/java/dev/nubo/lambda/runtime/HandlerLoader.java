package dev.nubo.lambda.runtime;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves a handler string (pkg.Class::method, or pkg.Class implementing
 * RequestHandler or RequestStreamHandler) to an Invoker, choosing among
 * overloads and reporting problems exactly as AWS's Java runtime does.
 */
final class HandlerLoader {
    private HandlerLoader() {}

    /** Runs one invocation and returns the response body. */
    interface Invoker {
        byte[] invoke(RuntimeApi.Invocation inv, Context ctx) throws Throwable;
    }

    private static final byte[] JSON_NULL = "null".getBytes(StandardCharsets.UTF_8);

    /** An invoker that reports the same fault on every invocation. */
    static final class FaultInvoker implements Invoker {
        final UserFault fault;

        FaultInvoker(UserFault fault) {
            this.fault = fault;
        }

        public byte[] invoke(RuntimeApi.Invocation inv, Context ctx) {
            throw fault;
        }
    }

    /**
     * Loads the handler. A fatal fault (a class initializer or constructor
     * that threw) is thrown as an init error; others are deferred to every
     * invocation, as on AWS.
     */
    static Invoker load(String handler, ClassLoader loader) {
        int colon = handler.lastIndexOf("::");
        String className = colon < 0 ? handler : handler.substring(0, colon);
        String methodName = colon < 0 ? null : handler.substring(colon + 2);
        if (className.isEmpty() || (methodName != null && methodName.isEmpty())) {
            return new FaultInvoker(UserFault.of("Invalid handler: `" + handler + "'"));
        }
        Class<?> clazz;
        try {
            clazz = Class.forName(className, true, loader);
        } catch (ClassNotFoundException e) {
            return new FaultInvoker(new UserFault("Class not found: " + className, e.getClass().getName(),
                    UserFault.trace(e), false));
        } catch (NoClassDefFoundError e) {
            return new FaultInvoker(loadingFault(className, e));
        } catch (Throwable t) {
            throw loadingFault(className, t);
        }
        Invoker invoker = methodName == null ? interfaceHandler(clazz) : methodHandler(clazz, methodName);
        if (invoker instanceof FaultInvoker && ((FaultInvoker) invoker).fault.fatal) {
            throw ((FaultInvoker) invoker).fault;
        }
        return invoker;
    }

    private static UserFault loadingFault(String className, Throwable t) {
        return new UserFault("Error loading class " + className + (t.getMessage() == null ? "" : ": " + t.getMessage()),
                t.getClass().getName(), UserFault.trace(t), true);
    }

    private static Object newInstance(Class<?> clazz) {
        Constructor<?> ctor;
        try {
            ctor = clazz.getConstructor();
        } catch (NoSuchMethodException e) {
            if (clazz.getEnclosingClass() != null && !Modifier.isStatic(clazz.getModifiers())) {
                throw UserFault.of(new Exception("Class " + clazz.getName()
                        + " cannot be instantiated because it is a non-static inner class"), false);
            }
            throw UserFault.of(new Exception("Class " + clazz.getName() + " has no public zero-argument constructor"),
                    false);
        }
        try {
            return ctor.newInstance();
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw UserFault.of(cause, true);
        } catch (ReflectiveOperationException e) {
            throw UserFault.of(e, false);
        }
    }

    private static Invoker interfaceHandler(Class<?> clazz) {
        try {
            if (RequestStreamHandler.class.isAssignableFrom(clazz)) {
                RequestStreamHandler h = (RequestStreamHandler) newInstance(clazz);
                return (inv, ctx) -> {
                    ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
                    h.handleRequest(new ByteArrayInputStream(inv.body), out, ctx);
                    return out.toByteArray();
                };
            }
            if (RequestHandler.class.isAssignableFrom(clazz)) {
                Type[] params = Generics.interfaceParameters(clazz, RequestHandler.class);
                if (params == null || params.length != 2 || !Generics.concrete(params[0])
                        || !Generics.concrete(params[1])) {
                    return new FaultInvoker(UserFault.of("Class " + clazz.getName()
                            + " does not implement RequestHandler with concrete type parameters"));
                }
                @SuppressWarnings("unchecked")
                RequestHandler<Object, Object> h = (RequestHandler<Object, Object>) newInstance(clazz);
                Type in = params[0];
                boolean voidOut = Generics.isVoid(params[1]);
                return (inv, ctx) -> {
                    Object input = readInput(inv, in);
                    Object output = h.handleRequest(input, ctx);
                    return voidOut ? JSON_NULL : writeOutput(output);
                };
            }
            return new FaultInvoker(UserFault.of(
                    "Class does not implement an appropriate handler interface: " + clazz.getName()));
        } catch (UserFault f) {
            return new FaultInvoker(f);
        }
    }

    static Object readInput(RuntimeApi.Invocation inv, Type type) {
        try {
            return Mapper.read(Json.parse(new String(inv.body, StandardCharsets.UTF_8)), type);
        } catch (Throwable t) {
            throw new RuntimeException("An error occurred during JSON parsing", UserFault.filter(t));
        }
    }

    static byte[] writeOutput(Object output) {
        try {
            return Mapper.write(output).getBytes(StandardCharsets.UTF_8);
        } catch (Throwable t) {
            throw new RuntimeException("An error occurred during JSON serialization of response", t);
        }
    }

    private static boolean isContext(Type t) {
        return t == Context.class || t == dev.nubo.lambda.Context.class;
    }

    private static int weight(Method m) {
        Class<?>[] p = m.getParameterTypes();
        return p.length + (p.length > 0 && isContext(p[p.length - 1]) ? 1 : 0);
    }

    private static Invoker methodHandler(Class<?> clazz, String name) {
        List<Method> candidates = new ArrayList<>();
        for (Method m : clazz.getMethods()) {
            if (m.getName().equals(name)) {
                candidates.add(m);
            }
        }
        // Non-bridge methods first, then longer signatures (a trailing Context
        // counts one extra), as AWS orders overloads.
        candidates.sort((a, b) -> {
            if (a.isBridge() != b.isBridge()) {
                return a.isBridge() ? 1 : -1;
            }
            return Integer.compare(weight(b), weight(a));
        });
        Map<TypeVariable<?>, Type> bindings = Generics.bindings(clazz);
        for (Method m : candidates) {
            Invoker inv = overload(clazz, m, bindings);
            if (inv != null) {
                return inv;
            }
        }
        return new FaultInvoker(UserFault.of("No public method named " + name
                + " with appropriate method signature found on class " + clazz.getName()));
    }

    /** The invoker for one overload, or null if its signature is not a handler's. */
    private static Invoker overload(Class<?> clazz, Method m, Map<TypeVariable<?>, Type> bindings) {
        Type[] p = m.getGenericParameterTypes();
        for (int i = 0; i < p.length; i++) {
            p[i] = Generics.substitute(p[i], bindings);
        }
        Class<?>[] raw = m.getParameterTypes();
        switch (p.length) {
            case 0:
                return pojo(clazz, m, null, false);
            case 1:
                if (raw[0] == InputStream.class) {
                    return stream(clazz, m, true, false, false);
                }
                if (raw[0] == OutputStream.class) {
                    return stream(clazz, m, false, true, false);
                }
                if (isContext(raw[0])) {
                    return pojo(clazz, m, null, true);
                }
                return pojo(clazz, m, p[0], false);
            case 2:
                if (raw[0] == OutputStream.class) {
                    if (isContext(raw[1])) {
                        return stream(clazz, m, false, true, true);
                    }
                    System.err.println("Ignoring two-argument overload because first argument type is OutputStream"
                            + " and second argument type is not Context");
                    return null;
                }
                if (isContext(raw[0])) {
                    System.err.println("Ignoring two-argument overload because first argument type is Context");
                    return null;
                }
                if (raw[0] == InputStream.class) {
                    if (raw[1] == OutputStream.class) {
                        return stream(clazz, m, true, true, false);
                    }
                    if (isContext(raw[1])) {
                        return stream(clazz, m, true, false, true);
                    }
                    System.err.println("Ignoring two-argument overload because second parameter type, "
                            + raw[1].getName() + ", is not OutputStream.");
                    return null;
                }
                if (isContext(raw[1])) {
                    return pojo(clazz, m, p[0], true);
                }
                System.err.println("Ignoring two-argument overload because second parameter type is not Context");
                return null;
            case 3:
                if (raw[0] == InputStream.class && raw[1] == OutputStream.class && isContext(raw[2])) {
                    return stream(clazz, m, true, true, true);
                }
                System.err.println("Ignoring three-argument overload because argument signature is not"
                        + " (InputStream, OutputStream, Context");
                return null;
            default:
                System.err.println("Ignoring an overload of method " + m.getName()
                        + " because it has too many parameters: Expected at most 3, got " + p.length);
                return null;
        }
    }

    private static Object target(Class<?> clazz, Method m) {
        return Modifier.isStatic(m.getModifiers()) ? null : newInstance(clazz);
    }

    private static Object call(Method m, Object target, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause() == null ? e : e.getCause();
        }
    }

    private static Invoker pojo(Class<?> clazz, Method m, Type input, boolean needsContext) {
        Object target;
        try {
            target = target(clazz, m);
        } catch (UserFault f) {
            return new FaultInvoker(f);
        }
        m.setAccessible(true);
        boolean voidOut = Generics.isVoid(m.getGenericReturnType());
        int argc = (input != null ? 1 : 0) + (needsContext ? 1 : 0);
        return (inv, ctx) -> {
            Object[] args = new Object[argc];
            int i = 0;
            if (input != null) {
                args[i++] = readInput(inv, input);
            }
            if (needsContext) {
                args[i] = ctx;
            }
            Object output = call(m, target, args);
            return voidOut ? JSON_NULL : writeOutput(output);
        };
    }

    private static Invoker stream(Class<?> clazz, Method m, boolean in, boolean out, boolean needsContext) {
        Object target;
        try {
            target = target(clazz, m);
        } catch (UserFault f) {
            return new FaultInvoker(f);
        }
        m.setAccessible(true);
        int argc = (in ? 1 : 0) + (out ? 1 : 0) + (needsContext ? 1 : 0);
        return (inv, ctx) -> {
            ByteArrayOutputStream output = new ByteArrayOutputStream(1024);
            Object[] args = new Object[argc];
            int i = 0;
            if (in) {
                args[i++] = new ByteArrayInputStream(inv.body);
            }
            if (out) {
                args[i++] = output;
            }
            if (needsContext) {
                args[i] = ctx;
            }
            call(m, target, args);
            return output.toByteArray();
        };
    }

    /** Type parameters of generic interfaces and superclasses, resolved through the hierarchy. */
    static final class Generics {
        private Generics() {}

        static boolean isVoid(Type t) {
            return t == void.class || t == Void.class;
        }

        /** Whether t is usable as a handler type (a type variable needs a bound other than Object). */
        static boolean concrete(Type t) {
            if (t instanceof TypeVariable) {
                for (Type bound : ((TypeVariable<?>) t).getBounds()) {
                    if (bound != Object.class) {
                        return true;
                    }
                }
                return false;
            }
            return true;
        }

        static Type substitute(Type t, Map<TypeVariable<?>, Type> bindings) {
            while (t instanceof TypeVariable && bindings.containsKey(t)) {
                Type next = bindings.get(t);
                if (next == t) {
                    break;
                }
                t = next;
            }
            return t;
        }

        /** Every type variable of clazz's supertypes bound to its actual argument. */
        static Map<TypeVariable<?>, Type> bindings(Class<?> clazz) {
            Map<TypeVariable<?>, Type> out = new HashMap<>();
            collect(clazz, out);
            return out;
        }

        private static void collect(Type t, Map<TypeVariable<?>, Type> out) {
            Class<?> raw = Mapper.raw(t);
            if (raw == Object.class || raw == null) {
                return;
            }
            if (t instanceof ParameterizedType) {
                TypeVariable<?>[] vars = raw.getTypeParameters();
                Type[] args = ((ParameterizedType) t).getActualTypeArguments();
                for (int i = 0; i < vars.length && i < args.length; i++) {
                    out.putIfAbsent(vars[i], substitute(args[i], out));
                }
            }
            for (Type g : raw.getGenericInterfaces()) {
                collect(g, out);
            }
            Type sup = raw.getGenericSuperclass();
            if (sup != null) {
                collect(sup, out);
            }
        }

        /** The actual type arguments clazz gives iface, or null if it does not implement it generically. */
        static Type[] interfaceParameters(Class<?> clazz, Class<?> iface) {
            Map<TypeVariable<?>, Type> b = bindings(clazz);
            TypeVariable<?>[] vars = iface.getTypeParameters();
            Type[] out = new Type[vars.length];
            for (int i = 0; i < vars.length; i++) {
                if (!b.containsKey(vars[i])) {
                    return null;
                }
                out[i] = substitute(vars[i], b);
            }
            return out;
        }
    }
}
