{{%AUTOESCAPE context="HTML"}}
<h1>Privacy</h1>
<p class="lead">This page says what {{SITE_NAME}} keeps about you, why, for how long, and what you can do about it. <strong>Whoever runs this site edits it</strong> (the file templates/privacy.tpl): what follows is what the software itself does.</p>
<h2>What is kept</h2>
<ul>
<li>Your account: your email address, your name, your picture if you add one, and your password as an Argon2id hash (never the password itself).</li>
<li>Your sessions: for each browser where you are logged in, its address, a short description of the browser, and when it logged in and was last seen. A session ends after a while without use, when you log out, or when your password changes.</li>
<li>Security events: logins, changes to your account and refused attempts, with the time, the address and the browser family. They are kept for {{RETENTION_DAYS}} days, and you can see yours on your profile ("Your account's activity").</li>
<li>Mail the site sends you (sign-up, reset and confirmation links, notices of changes) waits, encrypted, until it is sent.</li>
</ul>
<h2>Cookies</h2>
<p>Two cookies, both needed for the site to work: one keeps you logged in, the other protects the forms. No tracking, no advertising, nothing shared with others.</p>
<h2>What you can do</h2>
<ul>
<li><a href="{{BASE}}/profile/export">Download your data</a>: everything above about you, as a JSON file.</li>
<li><a href="{{BASE}}/profile/delete">Delete your account</a>: everything about you goes at once; only a note that an account with its number was deleted stays in the security log.</li>
</ul>
<h2>Who runs this site</h2>
<p>The people who run {{SITE_NAME}} have not filled this in yet.</p>
