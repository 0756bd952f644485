package org.twinmail.search;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.miscellaneous.PerFieldAnalyzerWrapper;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexOptions;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BulkScorer;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.LeafCollector;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.Scorable;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.Weight;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.mail.mime.MimePart;

/**
 * The full-text index of every account's messages: one Lucene index in {@code dataDir/index}
 * (beside the store, so it follows the active node on the shared volume), one document per
 * message entry keyed by mailbox id and UID. Documents carry two kinds of fields:
 *
 * <ul>
 * <li>gram fields ({@link Grams}) of exactly the strings IMAP SEARCH compares
 *     ({@link MessageText}, folded): {@link #matches} answers SUBJECT, FROM, TO, CC, BCC, BODY
 *     and TEXT exactly, for the messages the index holds;</li>
 * <li>word fields ({@link WordAnalyzer}: English words and CJK bigrams) of the subject, the
 *     addresses, the readable body (HTML as text) and attachments' names, for {@link #findWords}
 *     (JMAP Email/query, webmail).</li>
 * </ul>
 *
 * <p>One index for every account rather than one per account: one writer, one commit per batch
 * of changes and a bounded number of open files whatever the number of accounts (a node may hold
 * tens of thousands of accounts and its process may open 20,000 files). Documents name their
 * account, and every query is confined to one account or one mailbox.
 *
 * <p>The index records in each commit the change-log position it reflects ({@link #position});
 * {@link IndexUpdater} keeps it current and rebuilds it when it is missing or stale. Safe for
 * many threads: searches run on the last refreshed view while the updater writes.
 */
public final class SearchIndex implements AutoCloseable {
    /** Raise when the documents change shape: an index of another format is rebuilt. */
    static final String FORMAT = "2"; // 2: bigrams only at the end of a value (Grams)
    private static final String POSITION_KEY = "twinmail.position";
    private static final String FORMAT_KEY = "twinmail.format";

    private static final FieldType GRAM = new FieldType();
    static {
        GRAM.setIndexOptions(IndexOptions.DOCS_AND_FREQS_AND_POSITIONS);
        GRAM.setTokenized(true);
        GRAM.setOmitNorms(true);
        GRAM.setStored(false);
        GRAM.freeze();
    }

    private final Path dir;
    private final FSDirectory directory;
    private final IndexWriter writer;
    private final SearcherManager searchers;
    private final int maxIndexedChars;
    private final Analyzer words = new WordAnalyzer();
    private volatile long position;
    /** Per mailbox, the UIDs the current view decides, valid for one reader. */
    private volatile Coverage coverage = new Coverage(null);

    private record Coverage(DirectoryReader reader, Map<Long, long[]> byMailbox) {
        Coverage(DirectoryReader reader) {
            this(reader, new ConcurrentHashMap<>());
        }
    }

    private SearchIndex(Path dir, int maxIndexedChars) throws IOException {
        this.dir = dir;
        this.maxIndexedChars = maxIndexedChars;
        Files.createDirectories(dir);
        this.directory = FSDirectory.open(dir);
        long pos = -1;
        if (DirectoryReader.indexExists(directory)) {
            try {
                Map<String, String> data = SegmentInfos.readLatestCommit(directory).getUserData();
                if (FORMAT.equals(data.get(FORMAT_KEY)) && data.containsKey(POSITION_KEY)) pos = Long.parseLong(data.get(POSITION_KEY));
            } catch (IOException | RuntimeException e) {
                pos = -1; // unreadable: rebuilt from the store
            }
        }
        Map<String, Analyzer> perField = new HashMap<>();
        Analyzer grams = new Grams.GramAnalyzer();
        for (TextKey k : TextKey.values()) for (String f : k.fields) perField.put(f, grams);
        IndexWriterConfig config = new IndexWriterConfig(new PerFieldAnalyzerWrapper(words, perField))
                .setOpenMode(pos < 0 ? IndexWriterConfig.OpenMode.CREATE : IndexWriterConfig.OpenMode.CREATE_OR_APPEND)
                .setRAMBufferSizeMB(32)
                .setCommitOnClose(false);
        this.writer = new IndexWriter(directory, config);
        this.position = pos;
        this.searchers = new SearcherManager(writer, null);
    }

    /**
     * Opens (or creates) the index in {@code dir}. An index that cannot be read, or of another
     * format, is started afresh, and {@link #position} is -1 until it is rebuilt.
     *
     * @param maxIndexedChars characters of one value that are indexed; a message with a longer
     *                        one is searched by IMAP on the message itself
     */
    public static SearchIndex open(Path dir, int maxIndexedChars) {
        try {
            return new SearchIndex(dir, maxIndexedChars);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the search index in " + dir, e);
        }
    }

    public Path directory() {
        return dir;
    }

    /** The change-log position the last commit reflects; -1 for an index never built (missing, unreadable, another format). */
    public long position() {
        return position;
    }

    // ---- writing (the updater's) ----

    /** Adds or replaces the document of one message entry. */
    void index(long accountId, MessageEntry entry, MimePart message) throws IOException {
        writer.updateDocument(new Term("key", key(entry.mailboxId(), entry.uid())), document(accountId, entry, message));
    }

    void delete(long mailboxId, long uid) throws IOException {
        writer.deleteDocuments(new Term("key", key(mailboxId, uid)));
    }

    void deleteMailbox(long mailboxId) throws IOException {
        writer.deleteDocuments(new Term("mailbox", Long.toString(mailboxId)));
    }

    void deleteAccount(long accountId) throws IOException {
        writer.deleteDocuments(new Term("account", Long.toString(accountId)));
    }

    void deleteAll() throws IOException {
        writer.deleteAll();
    }

    /** Makes every change so far durable with {@code position} as the index's marker, and visible to searches. */
    void commit(long position) throws IOException {
        writer.setLiveCommitData(Map.of(POSITION_KEY, Long.toString(position), FORMAT_KEY, FORMAT).entrySet());
        writer.commit();
        searchers.maybeRefreshBlocking();
        this.position = position; // after the refresh: a reader that sees the position sees the documents

    }

    /** Messages in the index (the current view). */
    public int size() {
        return withSearcher(s -> s.getIndexReader().numDocs());
    }

    private static String key(long mailboxId, long uid) {
        return mailboxId + ":" + uid;
    }

    private Document document(long accountId, MessageEntry entry, MimePart m) {
        Document d = new Document();
        d.add(new StringField("key", key(entry.mailboxId(), entry.uid()), Field.Store.NO));
        d.add(new StringField("account", Long.toString(accountId), Field.Store.NO));
        d.add(new StringField("mailbox", Long.toString(entry.mailboxId()), Field.Store.NO));
        d.add(new NumericDocValuesField("mailboxId", entry.mailboxId()));
        d.add(new NumericDocValuesField("uid", entry.uid()));
        boolean partial = false;
        List<String> subjects = MessageText.fields(m, "Subject");
        for (String s : subjects) partial |= gram(d, "g.subject", MessageText.fold(s));
        for (String name : List.of("From", "To", "Cc", "Bcc")) {
            String lower = name.toLowerCase(java.util.Locale.ROOT);
            List<String> addresses = MessageText.addresses(m, name);
            for (String a : addresses) partial |= gram(d, "g." + lower, a);
            for (String a : addresses) words(d, "w." + lower, a);
        }
        partial |= gram(d, "g.headers", MessageText.fold(MessageText.headers(m)));
        partial |= gram(d, "g.body", MessageText.fold(MessageText.body(m)));
        d.add(new NumericDocValuesField("partial", partial ? 1 : 0));
        for (String s : subjects) words(d, "w.subject", s);
        words(d, "w.body", MessageText.readable(m));
        for (String n : MessageText.attachmentNames(m)) words(d, "w.attachment", n);
        return d;
    }

    /** Adds a gram value; true if it was longer than the limit (the message is then not decided by the index). */
    private boolean gram(Document d, String field, String folded) {
        if (folded.length() > maxIndexedChars) return true;
        d.add(new Field(field, folded, GRAM));
        return false;
    }

    private void words(Document d, String field, String text) {
        d.add(new TextField(field, text.length() > maxIndexedChars ? text.substring(0, maxIndexedChars) : text, Field.Store.NO));
    }

    // ---- IMAP SEARCH ----

    /**
     * The index's answer to an IMAP text key in one mailbox. {@code needle} is the search
     * string as the client sent it, decoded; it is folded here. {@link TextMatches#NONE} when
     * the index cannot decide this needle (empty, or one ASCII character).
     */
    public TextMatches matches(long mailboxId, TextKey key, String needle) {
        String folded = MessageText.fold(needle);
        BooleanQuery.Builder any = new BooleanQuery.Builder();
        for (String f : key.fields) {
            Query q = Grams.query(f, folded);
            if (q == null) return TextMatches.NONE;
            any.add(q, Occur.SHOULD);
        }
        Query inMailbox = new TermQuery(new Term("mailbox", Long.toString(mailboxId)));
        Query q = new BooleanQuery.Builder().add(inMailbox, Occur.FILTER).add(any.build(), Occur.MUST).build();
        return withSearcher(s -> {
            long[] decided = decided(s, mailboxId);
            long[] matching = uids(s, q, true);
            return new TextMatches(decided, matching);
        });
    }

    private long[] decided(IndexSearcher s, long mailboxId) throws IOException {
        Coverage c = coverage;
        DirectoryReader reader = (DirectoryReader) s.getIndexReader();
        if (c.reader() != reader) {
            c = new Coverage(reader);
            coverage = c;
        }
        long[] uids = c.byMailbox().get(mailboxId);
        if (uids == null) {
            uids = uids(s, new TermQuery(new Term("mailbox", Long.toString(mailboxId))), true);
            c.byMailbox().put(mailboxId, uids);
        }
        return uids;
    }

    /** The sorted UIDs of the live documents matching {@code q}; without partial ones if asked. */
    private static long[] uids(IndexSearcher s, Query q, boolean skipPartial) throws IOException {
        Weight w = s.createWeight(s.rewrite(q), ScoreMode.COMPLETE_NO_SCORES, 1f);
        LongList out = new LongList();
        for (LeafReaderContext leaf : s.getIndexReader().leaves()) {
            BulkScorer scorer = w.bulkScorer(leaf);
            if (scorer == null) continue;
            NumericDocValues uid = leaf.reader().getNumericDocValues("uid");
            NumericDocValues partial = skipPartial ? leaf.reader().getNumericDocValues("partial") : null;
            scorer.score(new LeafCollector() {
                @Override
                public void setScorer(Scorable scorer) { }

                @Override
                public void collect(int doc) throws IOException {
                    if (partial != null && partial.advanceExact(doc) && partial.longValue() != 0) return;
                    if (uid.advanceExact(doc)) out.add(uid.longValue());
                }
            }, leaf.reader().getLiveDocs(), 0, org.apache.lucene.search.DocIdSetIterator.NO_MORE_DOCS);
        }
        long[] a = out.toArray();
        java.util.Arrays.sort(a);
        return a;
    }

    // ---- word search (JMAP Email/query, webmail) ----

    /**
     * Messages of an account whose {@code fields} hold every word of {@code text} (each word in
     * any of the fields; Chinese runs as their bigrams), optionally only in {@code mailboxIds}
     * (empty: all), best first, at most {@code limit}. Words are cut and folded by
     * {@link WordAnalyzer}; a text without a word finds nothing. Messages the updater has not
     * reached yet ({@link #position} below the change log's) are not found.
     */
    public List<Hit> findWords(long accountId, Collection<Long> mailboxIds, String text, Set<WordField> fields, int limit) {
        List<String> terms = new ArrayList<>();
        try (TokenStream ts = words.tokenStream("w.body", text)) {
            CharTermAttribute t = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            while (ts.incrementToken()) terms.add(t.toString());
            ts.end();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // analysing a String does not fail
        }
        if (terms.isEmpty() || fields.isEmpty() || limit < 1) return List.of();
        BooleanQuery.Builder all = new BooleanQuery.Builder();
        all.add(new TermQuery(new Term("account", Long.toString(accountId))), Occur.FILTER);
        if (!mailboxIds.isEmpty()) {
            all.add(new TermInSetQuery("mailbox", mailboxIds.stream().map(id -> new BytesRef(Long.toString(id))).toList()), Occur.FILTER);
        }
        for (String term : terms) {
            BooleanQuery.Builder any = new BooleanQuery.Builder();
            for (WordField f : fields) any.add(new TermQuery(new Term(f.field, term)), Occur.SHOULD);
            all.add(any.build(), Occur.MUST);
        }
        Query q = all.build();
        return withSearcher(s -> {
            List<Hit> hits = new ArrayList<>();
            var top = s.search(q, limit);
            List<LeafReaderContext> leaves = s.getIndexReader().leaves();
            for (var sd : top.scoreDocs) {
                LeafReaderContext leaf = leaves.get(org.apache.lucene.index.ReaderUtil.subIndex(sd.doc, leaves));
                int doc = sd.doc - leaf.docBase;
                NumericDocValues mb = leaf.reader().getNumericDocValues("mailboxId");
                NumericDocValues uid = leaf.reader().getNumericDocValues("uid");
                if (mb.advanceExact(doc) && uid.advanceExact(doc)) hits.add(new Hit(mb.longValue(), uid.longValue()));
            }
            return hits;
        });
    }

    // ---- plumbing ----

    @FunctionalInterface
    private interface Read<T> {
        T apply(IndexSearcher s) throws IOException;
    }

    private <T> T withSearcher(Read<T> read) {
        try {
            IndexSearcher s = searchers.acquire();
            try {
                return read.apply(s);
            } finally {
                searchers.release(s);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("search index: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            searchers.close();
            writer.rollback(); // uncommitted changes go: the change log hands them over again
            directory.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A growable array of longs (no boxing for 100,000 UIDs). */
    private static final class LongList {
        private long[] a = new long[64];
        private int n;

        void add(long v) {
            if (n == a.length) a = java.util.Arrays.copyOf(a, n * 2);
            a[n++] = v;
        }

        long[] toArray() {
            return java.util.Arrays.copyOf(a, n);
        }
    }
}
