{{%AUTOESCAPE context="HTML"}}
<h1>Confirm your new email address</h1>
<p class="lead">Use <strong>{{NEW_EMAIL}}</strong> as the email address of your account: you will log in with it, and mail for the account will go there.</p>
<form method="post" action="{{BASE}}/profile/email/confirm" novalidate>
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<input type="hidden" name="token" value="{{TOKEN}}">
<button type="submit">Confirm the new address</button>
</form>
<p>If you did not ask for this, close this page: nothing changes.</p>
