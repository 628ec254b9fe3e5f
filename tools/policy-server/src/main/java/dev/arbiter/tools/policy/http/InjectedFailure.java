package dev.arbiter.tools.policy.http;

import dev.arbiter.tools.policy.FailMode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** The reply each {@link FailMode} gives in place of a real answer; null means "never answer". */
final class InjectedFailure {

    static final int OVERSIZE_BYTES = 2 * 1024 * 1024;
    private static final byte[] ERROR_BODY = "{\"error\":\"injected failure\"}".getBytes(StandardCharsets.US_ASCII);

    private InjectedFailure() {
    }

    /** For {@code POST /v1/decisions}; {@code realAnswer} is the JSON the server would have sent. */
    static Reply forBatch(FailMode mode, byte[] realAnswer) {
        switch (mode.kind()) {
            case GARBAGE:
                return Reply.json(200, "<html>this is not JSON".getBytes(StandardCharsets.US_ASCII));
            case MISSING:
                return Reply.json(200, "{\"decisions\":[]}".getBytes(StandardCharsets.US_ASCII));
            case OVERSIZE:
                return Reply.json(200, padded(realAnswer));
            case MALFORMED_FIRST:
                return Reply.json(200, malformedFirst(realAnswer));
            default:
                return common(mode);
        }
    }

    /** For a compatibility-mode call. */
    static Reply forCompat(FailMode mode, Reply realAnswer) {
        switch (mode.kind()) {
            case GARBAGE:
                realAnswer.discard();
                Reply garbage = Reply.text(200, "");
                garbage.headers().set(CompatCodec.TTL_MS, "soon");
                return garbage;
            case MISSING:
            case MALFORMED_FIRST:
                return realAnswer;
            case OVERSIZE:
                realAnswer.discard();
                byte[] body = new byte[OVERSIZE_BYTES];
                Arrays.fill(body, (byte) 'x');
                return Reply.withBody(403, "text/plain", body);
            default:
                realAnswer.discard();
                return common(mode);
        }
    }

    /** For {@code GET /v1/health} with {@code --fail-health}: only the kinds a health check can see. */
    static Reply forHealth(FailMode mode, Reply realAnswer) {
        switch (mode.kind()) {
            case STATUS:
            case HANG:
            case CLOSE:
                realAnswer.discard();
                return common(mode);
            default:
                return realAnswer;
        }
    }

    private static Reply common(FailMode mode) {
        switch (mode.kind()) {
            case STATUS:
                return Reply.json(mode.status(), ERROR_BODY);
            case CLOSE:
                return Reply.close();
            case HANG:
                return null;
            default:
                throw new IllegalStateException("handled by the caller: " + mode);
        }
    }

    /**
     * The real answer with a wrongly typed value nested in its first decision, the rest as they
     * were: the first request fails as {@code invalid-decision} and only that one (protocol
     * section 2.5). An answer without decisions is returned as it is.
     */
    private static byte[] malformedFirst(byte[] answer) {
        String json = new String(answer, StandardCharsets.UTF_8);
        int array = json.indexOf("\"decisions\":[");
        int first = array < 0 ? -1 : json.indexOf('{', array);
        if (first < 0) {
            return answer;
        }
        return (json.substring(0, first + 1) + "\"set_headers\":{\"x-injected\":1}," + json.substring(first + 1))
            .getBytes(StandardCharsets.UTF_8);
    }

    // The real answer, still valid JSON, grown past the appliance's 1 MiB default with an unknown field.
    private static byte[] padded(byte[] answer) {
        byte[] padding = new byte[OVERSIZE_BYTES];
        Arrays.fill(padding, (byte) 'x');
        String head = new String(answer, 0, answer.length - 1, StandardCharsets.UTF_8);
        return (head + ",\"padding\":\"" + new String(padding, StandardCharsets.US_ASCII) + "\"}")
            .getBytes(StandardCharsets.UTF_8);
    }
}
