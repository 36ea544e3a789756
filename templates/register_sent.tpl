{{%AUTOESCAPE context="HTML"}}
<h1>Check your inbox</h1>
{{#TOO_MANY}}<p class="form-error" role="alert">Too many mails have gone to this address in the last hour, so none was sent now. Please try again in an hour.</p>{{/TOO_MANY}}
<p class="lead">We sent a link to <strong>{{EMAIL}}</strong>. Open it to finish creating your account.</p>
<p>The link works once, for {{VALID_FOR}}. If no email arrives within a few minutes, check your spam folder, or have it sent again.</p>
<form method="post" action="{{BASE}}/register/resend" novalidate>
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<input type="hidden" name="email" value="{{EMAIL}}">
<button type="submit" class="secondary">Send the link again</button>
</form>
