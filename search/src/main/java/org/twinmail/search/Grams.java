package org.twinmail.search;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.PhraseQuery;
import org.apache.lucene.search.PrefixQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;

/**
 * The substring index: text already {@link MessageText#fold folded} is cut into the character
 * n-grams that start at each code point, the code point's index being the token's position.
 * At every position: the trigram starting there, and the code point alone when it is not ASCII
 * (a one-character Chinese query is common; a one-letter Latin one is not, and would cost a
 * posting per letter); at the last but one, the bigram that ends the value.
 *
 * <p>So a folded needle of length L is a substring of a field value exactly when the value holds
 * its grams at consecutive positions: L = 1 non-ASCII, its unigram; L = 2, a term that starts
 * with it (a trigram, or the value's last bigram: a prefix query); L &ge; 3, the phrase of its
 * trigrams at offsets 0, 3, 6, ... and L-3 (they cover every character, each pinned to its
 * offset). The index then decides the IMAP substring match itself, with the same folding on both
 * sides; {@link #query} says when it cannot (empty or one ASCII character).
 *
 * <p>Bigrams only where no trigram starts (at the end of a value) rather than at every position:
 * a token a character instead of two, which halves what delivery spends on indexing the text
 * (BENCHMARKS.md, issue 11); a two-character query costs a prefix query instead of a term.
 * Values of a multi-valued field are {@link #GAP} positions apart, so no phrase spans two.
 */
final class Grams {
    private Grams() {}

    /** Positions between two values of one field: more than the 3 a sampled phrase may skip. */
    static final int GAP = 100;

    /** The query for a folded needle on gram field {@code field}, or null if the index cannot decide. */
    static Query query(String field, String needle) {
        int[] cps = needle.codePoints().toArray();
        int n = cps.length;
        if (n == 0) return null;
        if (n == 1) return cps[0] < 128 ? null : new TermQuery(new Term(field, gram(cps, 0, 1)));
        if (n == 2) return new PrefixQuery(new Term(field, gram(cps, 0, 2)));
        PhraseQuery.Builder b = new PhraseQuery.Builder();
        for (int k = 0; k < n - 3; k += 3) b.add(new Term(field, gram(cps, k, 3)), k);
        b.add(new Term(field, gram(cps, n - 3, 3)), n - 3);
        return b.build();
    }

    /** The grams of a folded value with their positions (for tests and the tokenizer). */
    static List<String> grams(String value) {
        List<String> out = new ArrayList<>();
        int[] cps = value.codePoints().toArray();
        for (int i = 0; i < cps.length; i++) {
            if (cps[i] >= 128) out.add(gram(cps, i, 1));
            if (i + 2 == cps.length) out.add(gram(cps, i, 2));
            if (i + 3 <= cps.length) out.add(gram(cps, i, 3));
        }
        return out;
    }

    private static String gram(int[] cps, int from, int len) {
        return new String(cps, from, len);
    }

    /** The analyzer of the gram fields (their values arrive folded). */
    static final class GramAnalyzer extends Analyzer {
        @Override
        protected TokenStreamComponents createComponents(String fieldName) {
            return new TokenStreamComponents(new GramTokenizer());
        }

        @Override
        public int getPositionIncrementGap(String fieldName) {
            return GAP;
        }
    }

    private static final class GramTokenizer extends Tokenizer {
        private final CharTermAttribute term = addAttribute(CharTermAttribute.class);
        private final PositionIncrementAttribute posInc = addAttribute(PositionIncrementAttribute.class);
        private int[] cps = new int[0];
        private int pos;       // code point index of the grams being emitted
        private int len;       // 1, 2 or 3: the next gram length to try at pos
        private int lastPos;   // position of the last emitted token, -1 before the first

        @Override
        public void reset() throws IOException {
            super.reset();
            StringBuilder b = new StringBuilder();
            char[] buf = new char[8192];
            for (int n; (n = input.read(buf)) > 0; ) b.append(buf, 0, n);
            cps = b.codePoints().toArray();
            pos = 0;
            len = 1;
            lastPos = -1;
        }

        @Override
        public boolean incrementToken() {
            clearAttributes();
            while (pos < cps.length) {
                int l = len;
                if (len++ == 3) {
                    len = 1;
                }
                boolean emit = switch (l) {
                    case 1 -> cps[pos] >= 128;
                    case 2 -> pos + 2 == cps.length; // where no trigram starts: the value's last bigram
                    default -> pos + 3 <= cps.length;
                };
                int at = pos;
                if (l == 3) pos++;
                if (!emit) continue;
                term.setEmpty();
                for (int i = at; i < at + l; i++) {
                    int cp = cps[i];
                    if (Character.isBmpCodePoint(cp)) {
                        term.append((char) cp);
                    } else {
                        term.append(Character.highSurrogate(cp)).append(Character.lowSurrogate(cp));
                    }
                }
                posInc.setPositionIncrement(at - lastPos);
                lastPos = at;
                return true;
            }
            return false;
        }

        @Override
        public void end() throws IOException {
            super.end();
            // the position after the last code point, so the gap to the next value counts from there
            posInc.setPositionIncrement(0);
        }
    }
}
