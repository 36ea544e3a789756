{{%AUTOESCAPE context="HTML"}}
<h1>{{HEADING}}</h1>
<p class="lead">{{MESSAGE}}</p>
<p><a href="{{BASE}}/">Back to the home page</a></p>
