{{%AUTOESCAPE context="HTML"}}
<h1>This link cannot be used</h1>
<p class="lead">{{MESSAGE}}</p>
<p><a class="button" href="{{BASE}}/login">Log in</a> <a class="button secondary" href="{{BASE}}/register">Create an account</a></p>
<p>Forgot your password? <a href="{{BASE}}/reset">Reset it</a>.</p>
