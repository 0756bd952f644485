package org.twinmail.protocol.tls;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads a certificate chain and its private key from PEM files, as certbot, acme.sh and
 * openssl write them: the chain file holds the leaf first, then the intermediates; the key
 * is PKCS#8 ("PRIVATE KEY") or traditional ("RSA PRIVATE KEY", "EC PRIVATE KEY"). Every
 * failure names the file and what is wrong, and a key that does not belong to the leaf
 * certificate is refused here rather than at the first handshake.
 */
public final class PemFiles {
    private PemFiles() {
    }

    /** A certificate or key file that cannot be used; the message says which and why. */
    public static final class PemException extends Exception {
        public PemException(String message) {
            super(message);
        }
    }

    public static CertifiedKey load(Path certificateFile, Path keyFile) throws PemException {
        List<X509Certificate> chain = readChain(certificateFile);
        PrivateKey key = readKey(keyFile);
        if (!matches(key, chain.getFirst().getPublicKey())) {
            throw new PemException(keyFile + ": this private key does not belong to the first certificate in " + certificateFile);
        }
        return new CertifiedKey(chain, key, CertifiedKey.dnsNames(chain.getFirst()), certificateFile, keyFile);
    }

    static List<X509Certificate> readChain(Path file) throws PemException {
        List<X509Certificate> chain = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
            for (Object o = p.readObject(); o != null; o = p.readObject()) {
                if (o instanceof X509CertificateHolder h) chain.add(converter.getCertificate(h));
            }
        } catch (IOException | CertificateException | RuntimeException e) {
            throw new PemException(file + ": cannot read certificates: " + e.getMessage());
        }
        if (chain.isEmpty()) throw new PemException(file + ": no CERTIFICATE block found");
        return chain;
    }

    static PrivateKey readKey(Path file) throws PemException {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
            for (Object o = p.readObject(); o != null; o = p.readObject()) {
                switch (o) {
                    case PEMKeyPair pair -> {
                        // traditional "EC PRIVATE KEY" may omit the public key; the private part is all we need
                        return converter.getPrivateKey(pair.getPrivateKeyInfo());
                    }
                    case PrivateKeyInfo info -> {
                        return converter.getPrivateKey(info);
                    }
                    case PEMEncryptedKeyPair e -> throw new PemException(file + ": the key is encrypted; store it without a passphrase (mode 0600)");
                    case PKCS8EncryptedPrivateKeyInfo e -> throw new PemException(file + ": the key is encrypted; store it without a passphrase (mode 0600)");
                    default -> {
                        // EC PARAMETERS blocks and the like come before the key; skip them
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new PemException(file + ": cannot read the private key: " + e.getMessage());
        }
        throw new PemException(file + ": no PRIVATE KEY block found");
    }

    /** Signs a random challenge with the key and verifies it with the certificate's public key. */
    private static boolean matches(PrivateKey key, PublicKey pub) {
        if (!key.getAlgorithm().equals(pub.getAlgorithm())) return false;
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (alg == null) return false;
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(challenge);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(pub);
            v.update(challenge);
            return v.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
