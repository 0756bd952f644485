package org.twinmail.admin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.twinmail.admin.AdminOperations.UserInfo;
import org.twinmail.core.mail.ByteSize;

/**
 * Accounts as CSV (RFC 4180), for bulk import and export: the one place the format is read and
 * written. A header line names the columns, in any order:
 * <pre>
 * address,password,quota,max_message,max_messages,enabled,used_bytes,messages
 * </pre>
 * {@code address} is required; on import {@code password} is required for a new account and
 * optional for an existing one (empty: unchanged); sizes are bytes or {@code 25M}, {@code 2G}
 * (empty: unlimited, or unchanged for an existing account); {@code enabled} true/false/yes/no
 * (empty: unchanged, enabled for a new account); {@code used_bytes} and {@code messages} are
 * written by the export and ignored on import. Export never contains passwords (only their
 * hashes are kept): the column is there, empty, so an export can be filled in and imported.
 */
public final class AccountsCsv {
    public static final List<String> COLUMNS = List.of("address", "password", "quota", "max_message", "max_messages", "enabled",
            "used_bytes", "messages");
    /** At most this many rows in one import. */
    public static final int MAX_ROWS = 10_000;

    private AccountsCsv() {}

    /**
     * One row to import; null fields are empty cells. {@code line} is the row's line number in the
     * file (the header is line 1), for the error report.
     */
    public record Row(int line, String address, char[] password, Long quota, Long maxMessage, Long maxMessages, Boolean enabled) { }

    /** A row that could not be read: its line, the address if one was read, and why. */
    public record RowError(int line, String address, String error) { }

    /** What a file holds: the rows read, and the rows that could not be read. */
    public record Parsed(List<Row> rows, List<RowError> errors) { }

    /** Reads a whole file; a missing or bad header fails the file (INVALID), a bad row only that row. */
    public static Parsed parse(String csv) {
        List<List<String>> records = records(csv == null ? "" : csv);
        if (records.isEmpty()) throw invalid("the file is empty: the first line names the columns (" + String.join(",", COLUMNS) + ")");
        List<String> header = records.getFirst().stream().map(h -> h.strip().toLowerCase(Locale.ROOT)).toList();
        Map<String, Integer> at = new LinkedHashMap<>();
        for (int i = 0; i < header.size(); i++) {
            String h = header.get(i);
            if (!COLUMNS.contains(h)) throw invalid("unknown column \"" + h + "\" in the first line (known: " + String.join(", ", COLUMNS) + ")");
            if (at.put(h, i) != null) throw invalid("the column " + h + " is named twice in the first line");
        }
        if (!at.containsKey("address")) throw invalid("the first line must name an address column");
        if (records.size() - 1 > MAX_ROWS) throw invalid("at most " + MAX_ROWS + " accounts in one file, not " + (records.size() - 1));
        List<Row> rows = new ArrayList<>();
        List<RowError> errors = new ArrayList<>();
        for (int r = 1; r < records.size(); r++) {
            List<String> cells = records.get(r);
            int line = r + 1;
            if (cells.size() == 1 && cells.getFirst().isBlank()) continue; // an empty line
            String address = cell(cells, at, "address");
            try {
                if (cells.size() != header.size()) {
                    throw invalid(cells.size() + " fields where the first line has " + header.size());
                }
                if (address == null) throw invalid("no address");
                String pw = cell(cells, at, "password");
                rows.add(new Row(line, address, pw == null ? null : pw.toCharArray(), size(cells, at, "quota"), size(cells, at, "max_message"),
                        count(cells, at, "max_messages"), bool(cells, at, "enabled")));
            } catch (AdminException e) {
                errors.add(new RowError(line, address, e.getMessage()));
            }
        }
        return new Parsed(rows, errors);
    }

    /** The accounts as a file, with a header line; the password column empty. */
    public static String format(List<UserInfo> users) {
        StringBuilder b = new StringBuilder(String.join(",", COLUMNS)).append("\r\n");
        for (UserInfo u : users) {
            b.append(quote(u.address())).append(',').append(',').append(u.quotaBytes()).append(',').append(u.maxMessageBytes()).append(',')
                    .append(u.maxMessages()).append(',').append(u.enabled()).append(',').append(u.usedBytes()).append(',').append(u.messages())
                    .append("\r\n");
        }
        return b.toString();
    }

    private static String cell(List<String> cells, Map<String, Integer> at, String column) {
        Integer i = at.get(column);
        if (i == null || i >= cells.size()) return null;
        String v = cells.get(i).strip();
        return v.isEmpty() ? null : column.equals("password") ? cells.get(i) : v;
    }

    private static Long size(List<String> cells, Map<String, Integer> at, String column) {
        String v = cell(cells, at, column);
        if (v == null) return null;
        try {
            return ByteSize.parse(v);
        } catch (IllegalArgumentException e) {
            throw invalid(column + ": " + e.getMessage());
        }
    }

    private static Long count(List<String> cells, Map<String, Integer> at, String column) {
        String v = cell(cells, at, column);
        if (v == null) return null;
        try {
            long n = Long.parseLong(v);
            if (n >= 0) return n;
        } catch (NumberFormatException e) {
            // below
        }
        throw invalid(column + " must be a whole number, 0 or more: " + v);
    }

    private static Boolean bool(List<String> cells, Map<String, Integer> at, String column) {
        String v = cell(cells, at, column);
        if (v == null) return null;
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw invalid(column + " must be true or false: " + v);
        };
    }

    /** RFC 4180 records: fields split on commas, quoted fields may hold commas, quotes (doubled) and line breaks. */
    static List<List<String>> records(String text) {
        List<List<String>> out = new ArrayList<>();
        List<String> fields = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        String s = text.startsWith("\uFEFF") ? text.substring(1) : text; // a spreadsheet's byte-order mark
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            any = true;
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < s.length() && s.charAt(i + 1) == '"') {
                        f.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    f.append(c);
                }
            } else if (c == '"' && f.isEmpty()) {
                quoted = true;
            } else if (c == ',') {
                fields.add(f.toString());
                f.setLength(0);
            } else if (c == '\r' || c == '\n') {
                if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') i++;
                fields.add(f.toString());
                f.setLength(0);
                out.add(fields);
                fields = new ArrayList<>();
                any = false;
            } else {
                f.append(c);
            }
        }
        if (quoted) throw invalid("a quoted field is not closed before the end of the file");
        if (any || !fields.isEmpty()) {
            fields.add(f.toString());
            out.add(fields);
        }
        return out;
    }

    private static String quote(String v) {
        if (v.indexOf(',') < 0 && v.indexOf('"') < 0 && v.indexOf('\n') < 0 && v.indexOf('\r') < 0) return v;
        return '"' + v.replace("\"", "\"\"") + '"';
    }

    private static AdminException invalid(String message) {
        return new AdminException(AdminException.Kind.INVALID, message);
    }
}
