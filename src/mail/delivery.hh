// Sending what the outbox holds, after a response is finished. In a FastCGI
// process (use_child(true)) the mail goes out from a forked child with its
// own database connection, so the process is free for the next request at
// once: neither SMTP latency nor whether a mail was queued shows in the
// timing of any answer. Plain CGI sends in process (the request is over
// for the web server by then).
#pragma once
#include <functional>

namespace auth {

class Mailer;
class Outbox;

class Delivery {
public:
    // `in_child` runs in the forked child: it opens a connection of its own
    // and sends what is due with `mailer`. Never the parent's connection.
    using ChildWork = std::function<void(Mailer&)>;
    Delivery(Outbox& outbox, Mailer& mailer, ChildWork in_child)
        : outbox_(outbox), mailer_(mailer), in_child_(std::move(in_child)) {}
    Delivery(const Delivery&) = delete;
    Delivery& operator=(const Delivery&) = delete;

    void use_child(bool yes) { use_child_ = yes; }
    // Sends due mail, or (`always`) runs the same step even if nothing is due,
    // so that its cost never tells whether a mail was queued.
    void run(bool always);

private:
    void fork_and_send();
    Outbox& outbox_;
    Mailer& mailer_;
    ChildWork in_child_;
    bool use_child_ = false;
    int child_ = 0;
};

}  // namespace auth
