package testdata;

// Adapted from GoogleContainerTools/distroless java/testdata/CheckCerts.java (commit 54966a0a), which opens
// https://www.google.com/: the tests here have no network, so this loads the trust manager the default TLS
// context (and so HttpsURLConnection) uses, from the JVM's default keystore, and counts its CAs.

import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

public class CheckCerts {

  public static void main(String[] args) throws Exception {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init((KeyStore) null);
    X509TrustManager tm = (X509TrustManager) tmf.getTrustManagers()[0];
    SSLContext.getDefault().createSSLEngine(); // fails if the default context cannot be made
    System.out.println("Trusted certificate authorities: " + tm.getAcceptedIssuers().length);
  }
}
