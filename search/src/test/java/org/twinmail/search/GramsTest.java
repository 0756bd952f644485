package org.twinmail.search;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.lucene.search.PhraseQuery;
import org.apache.lucene.search.TermQuery;
import org.junit.jupiter.api.Test;

class GramsTest {

    @Test
    void everyPositionGetsItsTrigramNonAsciiCharactersTheirUnigramAndTheValueItsLastBigram() {
        assertThat(Grams.grams("abcd")).containsExactly("abc", "bcd", "cd");
        assertThat(Grams.grams("邮件系统")).containsExactly("邮", "邮件系", "件", "件系统", "系", "系统", "统");
        assertThat(Grams.grams("ab")).containsExactly("ab");
    }

    @Test
    void queriesPinTrigramsToOffsetsThatCoverTheNeedle() {
        assertThat(Grams.query("f", "")).isNull();
        assertThat(Grams.query("f", "a")).as("one ASCII letter: the index cannot decide").isNull();
        assertThat(Grams.query("f", "邮")).isInstanceOf(TermQuery.class);
        assertThat(Grams.query("f", "邮件")).as("a trigram that starts with it, or the last bigram of a value")
                .isEqualTo(new org.apache.lucene.search.PrefixQuery(new org.apache.lucene.index.Term("f", "邮件")));
        PhraseQuery q = (PhraseQuery) Grams.query("f", "abcdefgh");
        assertThat(q.getPositions()).containsExactly(0, 3, 5);
        assertThat(q.getTerms()).extracting(t -> t.text()).containsExactly("abc", "def", "fgh");
    }

    @Test
    void codePointsOutsideTheBmpStayWhole() {
        assertThat(Grams.grams("a\uD83D\uDE00b")).containsExactly("a\uD83D\uDE00b", "\uD83D\uDE00", "\uD83D\uDE00b");
    }
}
