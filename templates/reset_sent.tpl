{{%AUTOESCAPE context="HTML"}}
<h1>Check your email</h1>
<p class="lead">If an account exists for <strong>{{EMAIL}}</strong>, we have sent it a link to choose a new password.</p>
<p>The link works once, for {{VALID_FOR}}. If no email arrives within a few minutes, check your spam folder, or <a href="{{BASE}}/reset">ask again</a>.</p>
