#include <iostream>

int main() {
   std::cout << "Hello from distroless C++!" << std::endl;
   return 0;
}
