package dev.arbiter.appliance.config;

/**
 * One problem found in a config file, printed as {@code FILE:LINE: key.path: what is wrong (what is allowed)}.
 *
 * @param file    the file as named on the command line
 * @param line    1-based line, or 0 when the problem is with the file as a whole
 * @param keyPath dotted path of the key, with list indexes ({@code pools[0].backends[1].address})
 * @param problem what is wrong
 * @param allowed what would be accepted
 */
public record ConfigError(String file, int line, String keyPath, String problem, String allowed) {

    @Override
    public String toString() {
        return file + ":" + line + ": " + keyPath + ": " + problem + " (" + allowed + ")";
    }
}
