{{%AUTOESCAPE context="HTML"}}
<h1>Welcome</h1>
{{#SIGNED_IN}}
<p class="lead">You are logged in as <strong>{{NAME}}</strong> ({{EMAIL}}).</p>
<ul class="links">
<li><a href="{{BASE}}/profile">Your profile</a></li>
<li><a href="{{BASE}}/logout">Log out</a></li>
</ul>
{{/SIGNED_IN}}
{{#SIGNED_OUT}}
<p class="lead">You are not logged in.</p>
<ul class="links">
<li><a href="{{BASE}}/login">Log in</a></li>
<li><a href="{{BASE}}/register">Create an account</a></li>
</ul>
{{/SIGNED_OUT}}
