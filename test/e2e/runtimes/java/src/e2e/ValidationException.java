package e2e;

/** A failure of the function's own, which Lambda reports by class name. */
public class ValidationException extends RuntimeException {
    public ValidationException(String message) {
        super(message);
    }
}
