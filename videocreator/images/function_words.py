"""The closed word classes of Spanish, French, Italian and Portuguese, for telling a phrase from a fragment
without a tagger (``headlines.py``): words a headline may not start or end with, and the ones that link
two nouns into one phrase ("abeja de la miel"). Open classes (nouns, adjectives, verbs) are told apart by
simplemma's lemmas instead: a form whose lemma is an infinitive is a verb.
"""

from __future__ import annotations

from dataclasses import dataclass


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True)
class FunctionWords:
    dropped: frozenset[str]  # articles, demonstratives, possessives: left off the start of a headline
    quantifiers: frozenset[str]  # may start a headline ("muchas estrellas"), never end one
    prepositions: frozenset[str]
    linking: frozenset[str]  # prepositions that join two nouns into one phrase ("abeja de la miel")
    before_infinitive: frozenset[str]  # after these, a word that looks like an infinitive is a verb ("de"
    # is not among them: "máquina de coser" is a phrase)
    others: frozenset[str]  # pronouns, conjunctions, adverbs
    verbs: frozenset[str]  # auxiliaries and the forms of "to be" and "to have" simplemma may not resolve
    infinitive_endings: tuple[str, ...]


ROMANCE: dict[str, FunctionWords] = {
    "es": FunctionWords(
        dropped=_words(
            "el la los las un una unos unas lo este esta estos estas ese esa esos esas aquel "
            "aquella aquellos aquellas mi mis tu tus su sus nuestro nuestra nuestros nuestras "
            "vuestro vuestra vuestros vuestras"
        ),
        quantifiers=_words(
            "cada todo toda todos todas mucho mucha muchos muchas poco poca pocos pocas algún "
            "alguno alguna algunos algunas ningún ninguna otro otra otros otras varios varias "
            "ambos ambas tanto tanta tantos tantas cualquier dos tres cuatro cinco"
        ),
        prepositions=_words(
            "a al ante bajo con contra de del desde durante en entre hacia hasta mediante "
            "para por según sin sobre tras través cerca lejos partir"
        ),
        linking=_words("de del con sin"),
        before_infinitive=_words("a al para por sin poder"),
        others=_words(
            "yo tú él ella ello nosotros nosotras vosotros ellos ellas me te se nos os le les que "
            "quien quienes cual cuales cuyo cuya esto eso aquello usted ustedes mí ti sí y e o u ni "
            "pero sino porque aunque si cuando como cómo donde dónde mientras pues no muy más menos "
            "ya también tampoco siempre nunca aquí allí ahí así bien mal hoy ayer luego después "
            "antes entonces todavía aún casi solo sólo qué cuándo"
        ),
        verbs=_words(
            "es son era eran fue fueron ser será serán sido siendo está están estaba estaban estar "
            "estado ha han había habían haber hay he hemos puede pueden podía podían tiene tienen "
            "tenía tenían hace hacen"
        ),
        infinitive_endings=("ar", "er", "ir", "ír"),
    ),
    "fr": FunctionWords(
        dropped=_words(
            "le la les l' un une des du ce cet cette ces mon ma mes ton ta tes son sa ses notre "
            "nos votre vos leur leurs"
        ),
        quantifiers=_words(
            "chaque tout toute tous toutes plusieurs quelques beaucoup peu certains certaines "
            "autre autres deux trois quatre cinq"
        ),
        prepositions=_words(
            "à au aux de d' du des en dans par pour sur sous avec sans entre vers chez "
            "depuis pendant contre avant après selon grâce près loin autour"
        ),
        linking=_words("de d' du des avec sans"),
        before_infinitive=_words("à pour sans par"),
        others=_words(
            "je j' tu il elle on nous vous ils elles me m' te t' se s' lui leur y en que qu' qui "
            "quoi dont où ce c' cela ça ceci et ou mais donc or ni car si quand comme lorsque "
            "puisque ne n' pas plus moins très aussi bien mal déjà encore toujours jamais ici là "
            "alors puis ensuite enfin souvent"
        ),
        verbs=_words(
            "est sont était étaient fut être été étant a ont avait avaient avoir eu peut peuvent "
            "pouvait fait font faire va vont"
        ),
        infinitive_endings=("er", "ir", "re", "oir"),
    ),
    "it": FunctionWords(
        dropped=_words(
            "il lo la i gli le l' un uno una un' questo questa questi queste quello quella quelli "
            "quelle mio mia miei mie tuo tua suo sua suoi sue nostro nostra nostri nostre loro"
        ),
        quantifiers=_words(
            "ogni tutto tutta tutti tutte molto molta molti molte poco poca pochi poche alcuni "
            "alcune altro altra altri altre vari varie due tre quattro cinque"
        ),
        prepositions=_words(
            "a al allo alla ai agli alle all' di del dello della dei degli delle dell' da dal "
            "dallo dalla dai dagli dalle dall' in nel nello nella nei negli nelle nell' con su "
            "sul sullo sulla sui sugli sulle sull' per tra fra senza verso sotto sopra dopo prima "
            "attraverso grazie vicino lontano partire"
        ),
        linking=_words("di del dello della dei degli delle dell' con senza"),
        before_infinitive=_words("a da per senza"),
        others=_words(
            "io tu lui lei noi voi essi esse mi ti si ci vi ne che chi cui quale quali e ed o ma "
            "però se quando come dove mentre perché non più meno molto anche già ancora sempre mai "
            "qui qua lì là così bene male poi allora oggi ieri"
        ),
        verbs=_words(
            "è sono era erano fu furono essere stato stata stati state ha hanno aveva avevano avere "
            "avuto può possono poteva fa fanno"
        ),
        infinitive_endings=("are", "ere", "ire", "rre"),
    ),
    "pt": FunctionWords(
        dropped=_words(
            "o a os as um uma uns umas este esta estes estas esse essa esses essas aquele aquela "
            "aqueles aquelas meu minha meus minhas teu tua seu sua seus suas nosso nossa nossos "
            "nossas"
        ),
        quantifiers=_words(
            "cada todo toda todos todas muito muita muitos muitas pouco pouca poucos poucas "
            "algum alguma alguns algumas nenhum nenhuma outro outra outros outras vários "
            "várias ambos ambas dois duas três quatro cinco"
        ),
        prepositions=_words(
            "a ao aos à às de do da dos das em no na nos nas num numa por pelo pela pelos "
            "pelas para com sem sobre sob entre até desde contra durante após através perto longe "
            "partir"
        ),
        linking=_words("de do da dos das com sem"),
        before_infinitive=_words("a ao para por sem"),
        others=_words(
            "eu tu ele ela nós vós eles elas me te se lhe lhes nos vos que quem qual quais cujo "
            "isto isso aquilo você vocês e ou mas nem porque porém se quando como onde enquanto "
            "pois não muito mais menos já também sempre nunca aqui ali lá assim bem mal hoje ontem "
            "depois antes então ainda quase só"
        ),
        verbs=_words(
            "é são era eram foi foram ser será serão sido sendo está estão estava estavam estar "
            "estado há tem têm tinha tinham ter teve pode podem podia faz fazem"
        ),
        infinitive_endings=("ar", "er", "ir", "or"),
    ),
}
