{{%AUTOESCAPE context="HTML"}}
<h1>Confirm your email address</h1>
<p class="lead">Create your account with the address <strong>{{EMAIL}}</strong>. You will be logged in at once.</p>
<form method="post" action="{{BASE}}/register/confirm" novalidate>
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<input type="hidden" name="token" value="{{TOKEN}}">
<button type="submit">Create my account</button>
</form>
<p>If you did not ask for an account here, close this page: no account is made.</p>
