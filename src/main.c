/* main.c - wiring only (placeholder until the server lands). */
#include <stdio.h>

int main(void)
{
    puts("computefit");
    return 0;
}
