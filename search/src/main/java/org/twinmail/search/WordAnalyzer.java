package org.twinmail.search;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.cjk.CJKBigramFilter;
import org.apache.lucene.analysis.cjk.CJKWidthFilter;
import org.apache.lucene.analysis.standard.StandardTokenizer;

/**
 * Word search in Chinese and English (and Japanese, Korean): Unicode word boundaries (UAX #29,
 * {@link StandardTokenizer}), full- and half-width forms folded ({@link CJKWidthFilter}),
 * lower case, and runs of Han, Hiragana, Katakana and Hangul cut into overlapping bigrams
 * ({@link CJKBigramFilter}; a lone CJK character stays a unigram).
 *
 * <p>Why bigrams and not a dictionary segmenter such as Lucene's smartcn: mail is full of names,
 * product words and mixed scripts that a dictionary splits differently in the message and in
 * the query, and a query that a segmenter cuts differently finds nothing; bigrams find every
 * run of two or more characters whatever the words are, in every CJK language, and need no
 * dictionary (smartcn ships one of its own, for simplified Chinese only). The cost is a larger
 * index and weaker ranking, which mail search (filtered, sorted by date) does not use. This is
 * what Lucene's CJKAnalyzer does, without its English stop words (a mail search for "the who"
 * must not be empty).
 */
public final class WordAnalyzer extends Analyzer {
    @Override
    protected TokenStreamComponents createComponents(String fieldName) {
        StandardTokenizer source = new StandardTokenizer();
        TokenStream t = new CJKWidthFilter(source);
        t = new LowerCaseFilter(t);
        t = new CJKBigramFilter(t);
        return new TokenStreamComponents(source, t);
    }

    @Override
    public int getPositionIncrementGap(String fieldName) {
        return Grams.GAP;
    }
}
