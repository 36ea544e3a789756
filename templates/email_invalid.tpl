{{%AUTOESCAPE context="HTML"}}
<h1>The address was not changed</h1>
<p class="lead">{{MESSAGE}}</p>
<p><a class="button" href="{{BASE}}/profile">Go to your profile</a></p>
