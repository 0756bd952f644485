package org.twinmail.web.webmail;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sanitiser against the known webmail bypass families (the browser test opens the same corpus in Chromium). */
class MessageSanitizerTest {
    static String clean(String html) {
        return MessageSanitizer.sanitize(html, Map.of(), false).html();
    }

    @Test
    void scriptsAndEventHandlersGo() {
        assertThat(clean("<p>hi</p><script>alert(1)</script>")).isEqualTo("<p>hi</p>");
        assertThat(clean("<img src=x onerror=alert(1)><p onclick=\"alert(1)\">t</p>")).doesNotContain("onerror", "onclick", "alert");
        assertThat(clean("<body onload=alert(1)><p>t</p>")).isEqualTo("<p>t</p>");
    }

    @Test
    void cssCannotFetchOrHideScript() {
        assertThat(clean("<style>@import url(http://evil/x.css);</style><p>t</p>")).isEqualTo("<p>t</p>");
        assertThat(clean("<p style=\"background:url(http://evil/x.png);color:red\">t</p>")).doesNotContain("url(", "evil").contains("color:red");
        assertThat(clean("<p style=\"background-image:/**/url(http://evil/x)\">t</p>")).doesNotContain("url", "evil");
        assertThat(clean("<style>/*</style><img src=x onerror=alert(1)>*/</style>")).doesNotContain("onerror", "alert", "<img");
        assertThat(clean("<p style=\"behavior:url(x.htc);-moz-binding:url(x)\">t</p>")).doesNotContain("behavior", "binding");
    }

    @Test
    void svgMathAndNamespacedAttributesGo() {
        assertThat(clean("<svg><animate attributeName=href to=javascript:alert(1) /><set attributeName=onmouseover to=alert(1)/></svg>x"))
                .isEqualTo("x");
        assertThat(clean("<svg><rect fill=\"url(http://evil/#x)\"/><use href=\"http://evil/a.svg#a\"/></svg>")).isEmpty();
        assertThat(clean("<p xlink:href=\"javascript:alert(1)\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">t</p>")).isEqualTo("<p>t</p>");
        assertThat(clean("<math><maction xlink:href=\"javascript:alert(1)\">m</maction></math>")).doesNotContain("javascript", "<math");
    }

    @Test
    void baseFormsFramesAndSrcsetGo() {
        assertThat(clean("<base href=\"http://evil/\"><a href=\"rel\">l</a>")).doesNotContain("base", "evil", "href");
        assertThat(clean("<form action=\"http://evil/\"><input name=q><button formaction=\"http://evil/2\">b</button></form>"))
                .doesNotContain("<form", "action", "evil", "<input", "<button");
        assertThat(clean("<img srcset=\"http://evil/a.png 1x\"><picture><source srcset=\"http://evil/b\"></picture>"))
                .doesNotContain("srcset", "evil", "<source");
        assertThat(clean("<iframe src=\"http://evil/\"></iframe><object data=\"http://evil/\"></object><embed src=x>")).isEmpty();
        assertThat(clean("<meta http-equiv=refresh content=\"0;url=http://evil/\"><link rel=stylesheet href=\"http://evil/\">")).isEmpty();
    }

    @Test
    void onlyWebAndMailLinksStayAndOpenInANewWindowWithoutReferrer() {
        assertThat(clean("<a href=\"javascript:alert(1)\">x</a>")).doesNotContain("javascript");
        assertThat(clean("<a href=\"data:text/html,<script>alert(1)</script>\">x</a>")).doesNotContain("data:", "script");
        assertThat(clean("<a href=\"jav&#x09;ascript:alert(1)\">x</a>")).doesNotContain("script:", "alert");
        String link = clean("<a href=\"https://example.com/a?b=1&amp;c=2\">x</a>");
        assertThat(link).contains("href=\"https://example.com/a?b&#61;1&amp;c&#61;2\"", "target=\"_blank\"", "rel=\"noopener noreferrer\"");
        assertThat(clean("<a href=\"mailto:jo@example.com\">jo</a>")).contains("href=\"mailto:jo&#64;example.com\"");
    }

    @Test
    void remoteImagesAreHeldBackAndCountedUntilAskedForInlineOnesAreShown() {
        String html = "<img src=\"https://tracker.example/p.gif\" width=1 height=1><img src=\"http://cdn.example/logo.png\">"
                + "<img src=\"cid:logo@x\"><img src=\"data:image/png;base64,iVBORw0KGgo=\"><img src=\"data:image/svg+xml;base64,PHN2Zz4=\">";
        MessageSanitizer.Result held = MessageSanitizer.sanitize(html, Map.of("logo@x", "data:image/png;base64,AAAA"), false);
        assertThat(held.blockedImages()).isEqualTo(2);
        assertThat(held.html()).doesNotContain("tracker", "cdn.example", "svg").contains("data:image/png;base64,AAAA", "iVBORw0KGgo");
        MessageSanitizer.Result loaded = MessageSanitizer.sanitize(html, Map.of(), true);
        assertThat(loaded.blockedImages()).isZero();
        assertThat(loaded.html()).contains("https://tracker.example/p.gif", "http://cdn.example/logo.png").doesNotContain("cid:");
    }

    @Test
    void mutationXssThroughReparsingIsSerialisedInert() {
        String out = clean("<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>");
        assertThat(out).doesNotContain("<img", "<noscript").doesNotContainPattern("\\sonerror\\s*=");
        String svg = clean("<svg></p><style><a id=\"</style><img src=1 onerror=alert(1)>\"></svg>");
        assertThat(svg).doesNotContain("<img", "<style", "<svg").doesNotContainPattern("\\sonerror\\s*=");
        String comment = clean("<!--<img src=x onerror=alert(1)>--><p>t</p>");
        assertThat(comment).isEqualTo("<p>t</p>");
        // what comes out parses to itself: attribute text cannot close its quotes or its tag
        String attr = clean("<p title='\"><img src=x onerror=alert(1)>'>t</p>");
        assertThat(attr).startsWith("<p title=\"").doesNotContain("<img").doesNotContainPattern("\\sonerror\\s*=");
    }

    @Test
    void plainTextIsEscaped() {
        assertThat(MessageSanitizer.text("a <b> & \"c\" 'd'\nnext")).isEqualTo("<div class=\"tm-text\">a &lt;b&gt; &amp; &#34;c&#34; &#39;d&#39;\nnext</div>");
    }

    @Test
    void theUiLanguageFollowsTheBrowser() {
        assertThat(Webmail.preferredLanguage("zh-CN,zh;q=0.9,en;q=0.8")).isEqualTo("zh");
        assertThat(Webmail.preferredLanguage("en-US,en;q=0.9,zh;q=0.5")).isEqualTo("en");
        assertThat(Webmail.preferredLanguage("fr-FR,zh-TW;q=0.8")).isEqualTo("zh");
        assertThat(Webmail.preferredLanguage(null)).isEqualTo("en");
        assertThat(Webmail.preferredLanguage("de")).isEqualTo("en");
    }
}
