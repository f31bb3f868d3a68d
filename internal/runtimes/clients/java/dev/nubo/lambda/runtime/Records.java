package dev.nubo.lambda.runtime;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Java records, reached by reflection so the runtime still compiles for and
 * runs on Java 11.
 */
final class Records {
    private Records() {}

    private static final Method IS_RECORD = find(Class.class, "isRecord");
    private static final Method COMPONENTS = find(Class.class, "getRecordComponents");

    private static Method find(Class<?> c, String name) {
        try {
            return c.getMethod(name);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    static boolean isRecord(Class<?> c) {
        try {
            return IS_RECORD != null && (Boolean) IS_RECORD.invoke(c);
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }

    /** The accessor methods, in component order. */
    static List<Method> accessors(Class<?> c) {
        List<Method> out = new ArrayList<>();
        try {
            for (Object comp : (Object[]) COMPONENTS.invoke(c)) {
                out.add((Method) comp.getClass().getMethod("getAccessor").invoke(comp));
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read record " + c.getName(), e);
        }
        return out;
    }

    static Object read(Map<?, ?> node, Class<?> c) {
        try {
            Object[] comps = (Object[]) COMPONENTS.invoke(c);
            Class<?>[] types = new Class<?>[comps.length];
            Object[] args = new Object[comps.length];
            for (int i = 0; i < comps.length; i++) {
                Object comp = comps[i];
                String name = (String) comp.getClass().getMethod("getName").invoke(comp);
                Type generic = (Type) comp.getClass().getMethod("getGenericType").invoke(comp);
                types[i] = (Class<?>) comp.getClass().getMethod("getType").invoke(comp);
                args[i] = Mapper.read(node.get(name), generic);
            }
            Constructor<?> ctor = c.getDeclaredConstructor(types);
            ctor.setAccessible(true);
            return ctor.newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("Cannot construct instance of `" + c.getName() + "`", e);
        }
    }
}
