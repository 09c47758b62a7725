#include <stdio.h>

int main() {
   printf("Hello from distroless C!\n");
   return 0;
}
