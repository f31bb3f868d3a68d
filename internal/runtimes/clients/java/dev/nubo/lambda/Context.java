// The context interface in nubo's own namespace. It extends AWS's, so one
// object serves handlers written against either.
package dev.nubo.lambda;

/** What a Lambda handler can learn about its invocation and environment. */
public interface Context extends com.amazonaws.services.lambda.runtime.Context {
}
