/*
 * Adapted from GoogleContainerTools/distroless static/testdata/check_certs.go (a pure Go program calling
 * x509.SystemCertPool(); no Go toolchain here): built with `gcc -static`, it reads the first file Go's
 * crypto/x509 looks for on Linux, /etc/ssl/certs/ca-certificates.crt, and exits 1 unless it holds a certificate.
 */
#include <stdio.h>
#include <string.h>

int main(void) {
  FILE *f = fopen("/etc/ssl/certs/ca-certificates.crt", "r");
  if (!f) {
    printf("Error loading system certs.\n");
    return 1;
  }
  char line[1024];
  int certs = 0;
  while (fgets(line, sizeof line, f))
    if (strncmp(line, "-----BEGIN CERTIFICATE-----", 27) == 0) certs++;
  fclose(f);
  if (certs == 0) {
    printf("No cert pools.\n");
    return 1;
  }
  printf("Certs working!\n");
  return 0;
}
