{{%AUTOESCAPE context="HTML"}}
<h1>Log out</h1>
<p class="lead">Do you want to log out on this device?</p>
<form method="post" action="{{BASE}}/logout">
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<button type="submit">Log out</button>
<a class="button secondary" href="{{BASE}}/profile">Stay logged in</a>
</form>
