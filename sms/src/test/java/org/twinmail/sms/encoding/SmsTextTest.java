package org.twinmail.sms.encoding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SmsTextTest {

    @Test
    void gsmBasicAndExtensionCharactersAndTheirSeptets() {
        assertThat(Gsm7.encode("@£$")).containsExactly(0x00, 0x01, 0x02);
        assertThat(Gsm7.encode("A€[")).containsExactly(0x41, 0x1B, 0x65, 0x1B, 0x3C);
        assertThat(Gsm7.length("Hi {x}")).isEqualTo(8);
        assertThat(Gsm7.encodable("Grüße ÄÖÜ ñ é à")).isTrue();
        assertThat(Gsm7.encodable("ê")).isFalse();
        assertThat(Gsm7.decode(Gsm7.encode("Price: 5€ ~ [a|b] {c} ^\\ @£¥"))).isEqualTo("Price: 5€ ~ [a|b] {c} ^\\ @£¥");
        assertThatThrownBy(() -> Gsm7.encode("中")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void typographicCharactersBecomeGsmStandInsOnlyWhenThatMakesTheTextGsm() {
        assertThat(Gsm7.withStandIns("“Lunch” – isn’t it…")).isEqualTo("\"Lunch\" - isn't it...");
        assertThat(Gsm7.withStandIns("“午餐”")).isEqualTo("“午餐”");
        SmsText t = SmsText.of("It’s fine", 1);
        assertThat(t.alphabet()).isEqualTo(Alphabet.GSM7);
        assertThat(t.text()).isEqualTo("It's fine");
    }

    @Test
    void aGsmTextOf160SeptetsIsOnePartAnd161AreTwoOf153AndTheRest() {
        String s160 = "a".repeat(160);
        SmsText one = SmsText.of(s160, 7);
        assertThat(one.alphabet()).isEqualTo(Alphabet.GSM7);
        assertThat(one.parts()).hasSize(1);
        assertThat(one.parts().getFirst()).hasSize(160);
        assertThat(one.concatenated()).isFalse();

        SmsText two = SmsText.of("a".repeat(161), 7);
        assertThat(two.parts()).hasSize(2);
        assertThat(two.texts().get(0)).hasSize(153);
        assertThat(two.texts().get(1)).hasSize(8);
        assertThat(Arrays.copyOf(two.parts().get(0), 6)).containsExactly(0x05, 0x00, 0x03, 7, 2, 1);
        assertThat(Arrays.copyOf(two.parts().get(1), 6)).containsExactly(0x05, 0x00, 0x03, 7, 2, 2);
        assertThat(two.parts().get(0)).hasSize(6 + 153);
    }

    @Test
    void extensionCharactersCountTwoAndAreNeverSplitFromTheirEscape() {
        // 159 'a' + '€' = 161 septets: two parts
        assertThat(SmsText.partsNeeded("a".repeat(159) + "€")).isEqualTo(2);
        assertThat(SmsText.partsNeeded("a".repeat(158) + "€")).isEqualTo(1);
        // '€' straddles the 153-septet border of the first part: it moves whole into the second
        SmsText t = SmsText.of("a".repeat(152) + "€" + "b".repeat(20), 1);
        assertThat(t.texts().get(0)).isEqualTo("a".repeat(152));
        assertThat(t.texts().get(1)).startsWith("€b");
        byte[] first = t.parts().get(0);
        assertThat(first[first.length - 1]).isNotEqualTo((byte) Gsm7.ESCAPE);
        assertThat(t.parts().get(1)[6]).isEqualTo((byte) 0x1B);
        assertThat(t.parts().get(1)[7]).isEqualTo((byte) 0x65);
        // exactly at the border: 151 + '€' = 153 stays in the first part
        SmsText u = SmsText.of("a".repeat(151) + "€" + "b".repeat(20), 1);
        assertThat(u.texts().get(0)).endsWith("€");
        assertThat(u.parts().get(0)).hasSize(6 + 153);
    }

    @Test
    void chineseIsUcs2With70AloneAnd67PerPart() {
        SmsText one = SmsText.of("你".repeat(70), 3);
        assertThat(one.alphabet()).isEqualTo(Alphabet.UCS2);
        assertThat(one.alphabet().dataCoding()).isEqualTo(8);
        assertThat(one.parts()).hasSize(1);
        assertThat(one.parts().getFirst()).hasSize(140);
        assertThat(one.hex().getFirst()).startsWith("4f604f60");

        SmsText two = SmsText.of("你".repeat(71), 3);
        assertThat(two.parts()).hasSize(2);
        assertThat(two.texts().get(0)).hasSize(67);
        assertThat(two.parts().get(0)).hasSize(6 + 134);
        assertThat(new String(two.parts().get(1), 6, two.parts().get(1).length - 6, StandardCharsets.UTF_16BE)).isEqualTo("你".repeat(4));
    }

    @Test
    void oneNonGsmCharacterMakesTheWholeTextUcs2() {
        SmsText t = SmsText.of("Hello 世界", 1);
        assertThat(t.alphabet()).isEqualTo(Alphabet.UCS2);
        assertThat(t.hex()).containsExactly("00480065006c006c006f00204e16754c");
    }

    @Test
    void anEmojiIsTwoUnitsAndItsSurrogatePairIsNeverSplit() {
        String smile = "😀"; // U+1F600, a surrogate pair
        assertThat(SmsText.units(smile)).isEqualTo(2);
        assertThat(SmsText.partsNeeded("x".repeat(68) + smile)).isEqualTo(1);
        assertThat(SmsText.partsNeeded("x".repeat(69) + smile)).isEqualTo(2);
        // the pair would straddle unit 67: it moves whole into the second part
        SmsText t = SmsText.of("x".repeat(66) + smile + "yyyyy", 9);
        assertThat(t.texts().get(0)).isEqualTo("x".repeat(66));
        assertThat(t.texts().get(1)).isEqualTo(smile + "yyyyy");
        for (String part : t.texts()) {
            assertThat(Character.isHighSurrogate(part.charAt(part.length() - 1))).isFalse();
            assertThat(Character.isLowSurrogate(part.charAt(0))).isFalse();
        }
        String decoded = new String(t.parts().get(1), 6, 6, StandardCharsets.UTF_16BE);
        assertThat(decoded).isEqualTo(smile + "y");
    }

    @Test
    void partsJoinedGiveTheTextBack() {
        String text = "Réunion “demain” à 10h – {salle} [B] ~ ".repeat(12);
        SmsText t = SmsText.of(text, 200);
        assertThat(String.join("", t.texts())).isEqualTo(t.text());
        StringBuilder back = new StringBuilder();
        for (byte[] p : t.parts()) back.append(Gsm7.decode(Arrays.copyOfRange(p, 6, p.length)));
        assertThat(back.toString()).isEqualTo(t.text());
        for (String part : t.texts()) assertThat(Gsm7.length(part)).isLessThanOrEqualTo(153);
    }
}
