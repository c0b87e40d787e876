/* Built with no C library (gcc -O1 -static -nostdlib): touch PAGES pages of
 * a static buffer, STRIDE bytes apart, then exit. */
static volatile char buf[PAGES * 4096];
void _start(void)
{
    for (int i = 0; i < PAGES * 4096; i += STRIDE)
        buf[i] = buf[i + 1] + 1;
    __asm__ volatile("mov $60, %%eax; xor %%edi, %%edi; syscall" ::: "memory");
}
