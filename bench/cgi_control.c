/* The floor of any plain-CGI page, for `./dev bench`: a C program that
 * answers with a few bytes of HTML and ends. Apache starts it once per
 * request, as it starts auth-login under plain CGI, so the difference
 * between the two is what the page program itself costs to start, set up
 * and answer (fork, exec and Apache's side are in both). libc only: no
 * configuration, no database, no templates.
 *
 * Build: cc -O2 -o cgi_control.cgi bench/cgi_control.c
 */
#include <stdio.h>

int main(void) {
    fputs("Content-Type: text/html; charset=utf-8\r\n\r\n"
          "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>control</title></head>"
          "<body><p>control</p></body></html>\n",
          stdout);
    return 0;
}
